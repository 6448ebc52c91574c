#include "support/sample_project.h"
#include "test_paths.h"

#include <stdexcept>

#include "support/shell.h"

namespace relman::test {

std::filesystem::path sample_fixture_dir() { return std::filesystem::path(RELMAN_TEST_DIR) / "fixtures" / "interp"; }

SampleProject make_sample_project(const std::filesystem::path& dir, const std::string& version) {
  const auto script = std::filesystem::path(RELMAN_TEST_DIR).parent_path() / "scripts" / "sample-repo.sh";
  Ran r = sh("bash " + quote(script.string()) + " " + quote(dir.string()) + " " + quote(version));
  if (r.exit_code != 0)
    throw std::runtime_error("scripts/sample-repo.sh " + dir.string() + " " + version + " failed (exit " +
                             std::to_string(r.exit_code) + "):\n" + r.out + r.err);
  std::string printed = r.out;
  while (!printed.empty() && printed.back() == '\n') printed.pop_back();
  SampleProject p;
  p.repo = printed;
  p.origin = p.repo.parent_path() / "origin.git";
  p.upstream = p.repo.parent_path() / "upstream.git";
  if (!std::filesystem::is_directory(p.repo / ".git"))
    throw std::runtime_error("scripts/sample-repo.sh printed '" + printed + "', which is not a repository");
  return p;
}

}  // namespace relman::test
