// The working tree's status as `git status` reports it: what is staged,
// changed but not staged, untracked, or conflicted.
#pragma once

#include <string>
#include <vector>

#include "adapters/git.h"

namespace relman::git {

struct StatusEntry {
  std::string path;
  std::string what;  // "staged: modified", "not staged: deleted", "untracked", "conflicted", ...
};

// Every path that is not clean; ignored files are left out.
std::vector<StatusEntry> status(git_repository* repo);

}  // namespace relman::git
