// One journaled event as the release manager sees it while a run is driven:
// a line per step transition (and, under --ci, the event itself as JSON on
// stdout).
#pragma once

#include <nlohmann/json.hpp>

#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/terminal.h"

namespace relman::cli {

void print_event(const Options& o, const OpenRun& run, const nlohmann::json& ev, Terminal& term);

}  // namespace relman::cli
