// What the commands that drive or read a run share: finding the state
// directory, opening the run under its lock, driving the engine, printing.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/options.h"
#include "cli/run_location.h"
#include "core/engine.h"
#include "core/journal.h"
#include "core/lock.h"
#include "core/redactor.h"
#include "core/state.h"
#include "core/workflow.h"

namespace relman::cli {

std::map<std::string, std::string> parse_vars(const std::vector<std::string>& kv);

// An existing run opened for driving: locked, journal loaded, state folded.
struct OpenRun {
  std::filesystem::path dir;
  std::unique_ptr<RunLock> lock;
  Redactor redactor;
  std::unique_ptr<Journal> journal;
  RunState state;
  Workflow workflow;
  Version version;
  std::map<std::string, std::string> var_overrides;
  // Events recorded before the engine runs (run_started, resets...), so
  // that --ci streams every event of the invocation.
  std::vector<nlohmann::json> unprinted;
};

// Journals an event of the command itself (not the engine's) and folds it.
void record(OpenRun& run, nlohmann::json event);

// Locks and loads a started run; checks the workflow still has the hash the
// run recorded unless `accept_change`.
std::unique_ptr<OpenRun> open_run(const std::filesystem::path& dir, bool accept_change);

// Reads a run without locking (status, log, report).
struct ReadRun {
  std::filesystem::path dir;
  RunState state;
  std::optional<Workflow> workflow;  // when it still loads
  std::string warning;               // torn tail, workflow problems
};
// The workflow is loaded only when `with_workflow` or when the journal has
// no plan (written by an older relman).
ReadRun read_run(const std::filesystem::path& dir, bool with_workflow = true);

// Drives the engine on an open run and prints; returns the exit code.
int drive(OpenRun& run, const Options& o);

// Prints a line for people: stdout normally, stderr in --ci mode.
// -q drops these; say_result() prints even then (failures, waits, the next
// command, questions).
void say(const Options& o, const std::string& line);
void say_result(const Options& o, const std::string& line);

std::string format_duration(int64_t ms);

}  // namespace relman::cli
