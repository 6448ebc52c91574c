#include "support/run_dir.h"

namespace relman::test {

Ran relman_on(const std::filesystem::path& state, std::vector<std::string> args, const std::filesystem::path& cwd,
              const std::map<std::string, std::string>& env) {
  args.push_back("--state-dir");
  args.push_back(state.string());
  return relman(args, cwd, env);
}

}  // namespace relman::test
