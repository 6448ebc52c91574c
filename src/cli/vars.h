// Workflow var overrides: as typed (--var KEY=VALUE) and as a run recorded
// them at its start.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/state.h"

namespace relman::cli {

// KEY=VALUE words into a map; a UsageError names a word without a key.
std::map<std::string, std::string> parse_vars(const std::vector<std::string>& kv);

// The --var overrides the run started with (its settings in run_started,
// as corrected since by settings_changed).
std::map<std::string, std::string> recorded_vars(const RunState& st);

}  // namespace relman::cli
