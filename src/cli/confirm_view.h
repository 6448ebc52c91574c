// What the confirmation before a remote step shows: what will happen, in the
// release manager's words (remote and URL, each ref old..new, the files and
// their sizes, the recipient), instead of the step's parameters as JSON.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman::cli {

// Lines to print under "about to run ID (KIND)"; `with` has its templates
// expanded. `repo` is where the run's git steps work, `artifacts` the run's
// artifacts directory. Never throws: what cannot be looked up is said so.
std::vector<std::string> describe_remote_step(const std::string& uses, const nlohmann::json& with,
                                              const std::filesystem::path& repo,
                                              const std::filesystem::path& artifacts);

}  // namespace relman::cli
