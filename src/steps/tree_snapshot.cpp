#include "steps/tree_snapshot.h"

#include <sys/stat.h>

#include <system_error>

namespace relman::steps {

namespace fs = std::filesystem;

int64_t mtime_ns(const struct ::stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

TreeSnapshot snapshot_tree(const fs::path& top) {
  TreeSnapshot out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(top, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0)
      throw std::system_error(errno, std::generic_category(), "lstat " + it->path().string());
    TreeEntry e;
    e.type = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'o';
    e.mode = st.st_mode & 07777;
    e.size = e.type == 'd' ? 0 : static_cast<int64_t>(st.st_size);
    e.mtime_ns = mtime_ns(st);
    out[it->path().lexically_relative(top).string()] = e;
  }
  if (ec) throw std::system_error(ec, "reading " + top.string());
  return out;
}

TreeChanges tree_changes(const TreeSnapshot& before, const TreeSnapshot& after) {
  TreeChanges c;
  for (const auto& [path, e] : after) {
    auto was = before.find(path);
    if (was == before.end()) {
      c.written.push_back(path);
    } else if (e.type == 'd' && was->second.type == 'd') {
      if (e.mode != was->second.mode) c.written.push_back(path);
    } else if (!(e == was->second)) {
      c.written.push_back(path);
    }
  }
  for (const auto& [path, e] : before)
    if (!after.count(path)) c.removed.push_back(path);
  return c;
}

std::string listing_of(const TreeSnapshot& tree, const std::string& dir) {
  const std::string prefix = dir == "." ? std::string() : dir + "/";
  std::string out;
  for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    const std::string rest = it->first.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string::npos) continue;
    out += rest + "\n";
  }
  return out;
}

}  // namespace relman::steps
