// A command a local step runs with its output going into the step's log line
// by line and its last line onto the live progress line, under a deadline
// shared by the step's commands. Written once for the steps that run a
// tree's own build targets (build.make, cpython.docs); each says itself
// what a failure means for the release.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "adapters/process.h"
#include "core/step_kind.h"

namespace relman::steps {

struct LoggedCommand {
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;
  std::chrono::steady_clock::time_point deadline;

  // Runs argv, shown in the log as `shown`. Throws StepError naming `shown`
  // and `install_hint` when the program cannot be started; a timeout or an
  // exit status is left to the caller in the result.
  process::Result run(StepContext& ctx, const std::vector<std::string>& argv, const std::string& shown,
                      const std::string& install_hint) const;
};

}  // namespace relman::steps
