// Running the relman binary on a pseudo-terminal, answering its questions:
// what a release manager at a terminal sees and types (the confirmation
// before remote steps, the question at a gate).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace relman::test {

struct PtyRun {
  int exit_code = -1;
  std::string transcript;  // everything written to the terminal
  size_t answered = 0;     // how many of the answers were given
};

// Runs relman `args` in `cwd` with its stdin, stdout and stderr on a new
// pty. Each answer is (text to wait for, line to type): the reply is typed
// once the text has appeared after the previous answer. Gives up (SIGKILL)
// after `limit`. `columns` > 0 gives the terminal that width (24 rows).
// `env` is set in relman's environment; a name with an empty value is unset.
PtyRun relman_on_terminal(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          const std::vector<std::pair<std::string, std::string>>& answers,
                          std::chrono::seconds limit = std::chrono::seconds(60), unsigned short columns = 0,
                          const std::map<std::string, std::string>& env = {});

}  // namespace relman::test
