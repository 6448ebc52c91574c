#include "adapters/sphinx_build.h"

#include <unistd.h>

#include "adapters/process.h"

namespace relman::sphinx {

namespace fs = std::filesystem;

namespace {

bool executable(const fs::path& p) { return fs::is_regular_file(p) && ::access(p.c_str(), X_OK) == 0; }

}  // namespace

fs::path find_build(const fs::path& repo, const std::string& given) {
  if (!given.empty()) {
    if (given.find('/') == std::string::npos) return process::find_program(given);
    const fs::path p = fs::path(given).is_absolute() ? fs::path(given) : repo / given;
    return executable(p) ? p : fs::path{};
  }
  fs::path venv = repo / "Doc" / "venv" / "bin" / "sphinx-build";
  if (executable(venv)) return venv;
  return process::find_program("sphinx-build");
}

}  // namespace relman::sphinx
