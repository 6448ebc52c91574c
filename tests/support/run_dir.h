// Running relman on one run's state directory, as most CLI tests do.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/shell.h"

namespace relman::test {

// relman `args` with `--state-dir state` after them (after the command's own
// words, where every command that has a run takes it), in `cwd`.
Ran relman_on(const std::filesystem::path& state, std::vector<std::string> args, const std::filesystem::path& cwd,
              const std::map<std::string, std::string>& env = {});

}  // namespace relman::test
