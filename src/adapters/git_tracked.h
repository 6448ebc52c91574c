// The paths the index tracks: what a commit of the work tree can take, as
// opposed to build leftovers and virtual environments that lie beside them.
#pragma once

#include <string>
#include <vector>

#include "adapters/git.h"

namespace relman::git {

// Tracked paths ending in `suffix`, sorted, relative to the work tree.
std::vector<std::string> tracked_paths(git_repository* repo, const std::string& suffix);

}  // namespace relman::git
