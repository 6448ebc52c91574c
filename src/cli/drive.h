// Driving the engine on an open run: the engine's options from the
// command line and the run's recorded settings, the terminal's questions,
// what is printed while it runs and at the end.
#pragma once

#include "cli/open_run.h"
#include "cli/options.h"

namespace relman::cli {

// Runs the run's remaining steps and prints; returns the exit code.
int drive(OpenRun& run, const Options& o);

}  // namespace relman::cli
