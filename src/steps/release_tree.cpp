#include "steps/release_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "adapters/unpack.h"
#include "core/errors.h"

namespace relman::steps {

namespace fs = std::filesystem;

bool plain_dir_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos;
}

void check_tree_build_params(const json& with, std::vector<std::string>& problems) {
  for (const char* key : {"jobs", "timeout"})
    if (with.contains(key) && with[key].is_number_integer() && with[key].get<long long>() <= 0)
      problems.push_back(fmt::format("'{}' must be a positive number, got {}", key, with[key].dump()));
  if (with.contains("dir") && with["dir"].is_string() && !plain_dir_name(with["dir"].get<std::string>()))
    problems.push_back("'dir' must be a plain directory name (no '/'), got " + with["dir"].dump());
}

fs::path unpack_release_tree(StepContext& ctx, const fs::path& tarball, const std::string& dir_name) {
  if (!fs::is_regular_file(tarball))
    throw StepError(
        fmt::format("the tarball {} does not exist. Check `tarball` (relative to {}) "
                    "and that the export step made it.",
                    tarball.string(), ctx.artifacts_dir.string()));
  if (!plain_dir_name(dir_name))
    throw StepError(fmt::format("'dir' must be a plain directory name, got '{}'", dir_name));
  const auto root = fs::absolute(ctx.work_dir / dir_name);
  fs::remove_all(root);
  ctx.log->line(fmt::format("unpacking {} into {}", tarball.string(), root.string()));
  unpack::Options unpacking;
  unpacking.progress = [&](const unpack::Stats& s) {
    if (ctx.progress && s.entries % 200 == 0)
      ctx.progress(fmt::format("unpacking: {} files, {} KB", s.entries, s.bytes / 1024));
  };
  unpack::Stats stats;
  try {
    stats = unpack::tar(tarball, root, unpacking);
  } catch (const std::exception& e) {
    throw StepError(
        fmt::format("{}. Re-create the tarball (the export step) and `relman retry {}`.", e.what(), ctx.step_id));
  }
  ctx.log->line(fmt::format("unpacked {} entries, {} bytes", stats.entries, stats.bytes));

  std::vector<fs::path> tops;
  for (const auto& e : fs::directory_iterator(root)) tops.push_back(e.path());
  std::sort(tops.begin(), tops.end());
  if (tops.size() != 1 || !fs::is_directory(tops[0])) {
    std::string found;
    for (const auto& t : tops) found += (found.empty() ? "" : ", ") + t.filename().string();
    throw StepError(
        fmt::format("{} should hold exactly one top-level directory (like "
                    "Python-3.12.0/), found: {}. Check the export step's `prefix`.",
                    tarball.filename().string(), found.empty() ? "nothing" : found));
  }
  return tops[0];
}

}  // namespace relman::steps
