#include "cli/doctor_docs.h"

#include <fmt/format.h>

#include "adapters/sphinx_build.h"

namespace relman::cli {

namespace {

namespace fs = std::filesystem;
using R = Check::Result;

std::string param(const StepDef& s, const char* key) {
  return s.with.contains(key) && s.with[key].is_string() ? s.with[key].get<std::string>() : std::string();
}

}  // namespace

void check_docs(const PreflightInput& in, const std::vector<StepDef>& steps, std::vector<Check>& out) {
  for (const StepDef& s : steps) {
    if (s.uses != "cpython.docs") continue;
    const std::string what = "docs (" + s.id + ")";
    const std::string from = param(s, "from");
    if (!from.empty()) {
      const fs::path dir = from;
      const std::string zip = fmt::format("python-{}-docs-html.zip", in.version.str());
      const std::string bz2 = fmt::format("python-{}-docs-html.tar.bz2", in.version.str());
      if (!dir.is_absolute())
        out.push_back({what, R::fail, fmt::format("docs_from '{}' is not an absolute path", from),
                       "give the folder's absolute path"});
      else if (fs::is_regular_file(dir / zip) && fs::is_regular_file(dir / bz2))
        out.push_back(
            {what, R::ok, fmt::format("taken from {} (the build-release workflow's artifact)", dir.string()), {}});
      else
        out.push_back({what, R::fail, fmt::format("{} does not hold {} and {}", dir.string(), zip, bz2),
                       "unpack the build-release run's `docs` artifact there, or leave docs_from empty to build"});
      continue;
    }
    const fs::path found = sphinx::find_build(in.repo, param(s, "sphinx_build"));
    if (!found.empty()) out.push_back({what, R::ok, "built with " + found.string(), {}});
    else
      out.push_back({what, R::fail, "no sphinx-build (not in the checkout's Doc/venv, not on PATH)",
                     "run `make -C Doc venv` in the checkout (it installs Doc/requirements.txt), or download the "
                     "build-release workflow's `docs` artifact and give it: --var docs_from=FOLDER"});
  }
}

}  // namespace relman::cli
