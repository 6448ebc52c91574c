// What an invocation that drove a run prints at its end: the release, the
// steps done, the artifacts, where the state lives and the next command.
#pragma once

#include <cstdint>

#include "cli/open_run.h"
#include "cli/options.h"
#include "core/engine.h"

namespace relman::cli {

void print_summary(const Options& o, const OpenRun& run, Outcome outcome, int64_t started_ms);

}  // namespace relman::cli
