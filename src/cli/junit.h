// The run's steps as a JUnit XML report (artifacts/junit.xml), the format CI
// systems display as test results: one testcase per workflow step, a failed
// step as a failure, a skipped, waiting or not yet reached step as skipped.
#pragma once

#include <filesystem>
#include <string>

#include "cli/open_run.h"
#include "cli/options.h"
#include "core/state.h"
#include "core/workflow.h"

namespace relman::cli {

// The report as text. `logs` is the run's logs/ directory: a failed step's
// report carries the tail of its log (already redacted). `end_ms` ends the
// suite's time while the run has not finished.
std::string junit_xml(const Workflow& wf, const RunState& state, const std::filesystem::path& logs, int64_t end_ms);

// Writes <run>/artifacts/junit.xml atomically. A report that cannot be
// written is a warning (on stderr in --ci), never a change of the exit code:
// the run's outcome is what the journal says.
void write_junit_report(const OpenRun& run, const Options& o);

}  // namespace relman::cli
