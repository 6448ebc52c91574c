#include "adapters/git_tracked.h"

#include <algorithm>

#include "adapters/git_ops.h"

namespace relman::git {

std::vector<std::string> tracked_paths(git_repository* repo, const std::string& suffix) {
  Index index = repository_index(repo);
  std::vector<std::string> out;
  const size_t n = git_index_entrycount(index.get());
  for (size_t i = 0; i < n; ++i) {
    const git_index_entry* e = git_index_get_byindex(index.get(), i);
    if (!e || !e->path) continue;
    std::string p = e->path;
    if (p.size() >= suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(std::move(p));
  }
  // An index in conflict lists a path once per stage.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace relman::git
