// Running the relman binary on a pseudo-terminal, answering its questions:
// what a release manager at a terminal sees and types (the confirmation
// before remote steps, the question at a gate).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace relman::test {

struct PtyRun {
  int exit_code = -1;
  std::string transcript;  // everything written to the terminal
  size_t answered = 0;     // how many of the cues were acted on
};

// What to do once `wait_for` has appeared: type `type` (with Enter), or,
// when `act` is set, call it instead (another terminal doing something
// while this one waits at a question).
struct PtyCue {
  PtyCue(std::string wait_for, std::string type) : wait_for(std::move(wait_for)), type(std::move(type)) {}
  PtyCue(std::string wait_for, std::function<void()> act) : wait_for(std::move(wait_for)), act(std::move(act)) {}
  // Reads what the terminal showed since the previous cue (a URL, a code)
  // and returns what to type, "" for nothing.
  static PtyCue reading(std::string wait_for, std::function<std::string(const std::string& shown)> answer) {
    PtyCue c(std::move(wait_for), std::string());
    c.answer = std::move(answer);
    return c;
  }
  std::string wait_for;
  std::string type;
  std::function<void()> act;
  std::function<std::string(const std::string& shown)> answer;
};

// Runs relman `args` in `cwd` with its stdin, stdout and stderr on a new
// pty. Each cue is acted on once its text has appeared after the previous
// cue's. Gives up (SIGKILL) after `limit`. `columns` > 0 gives the terminal that width (24 rows).
// `env` is set in relman's environment; a name with an empty value is unset.
PtyRun relman_on_terminal(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          const std::vector<PtyCue>& cues, std::chrono::seconds limit = std::chrono::seconds(60),
                          unsigned short columns = 0, const std::map<std::string, std::string>& env = {});

}  // namespace relman::test
