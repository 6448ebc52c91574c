// Child processes from an argv, never through a shell. Output (stdout and
// stderr merged) is handed over line by line, so logs can redact it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace relman::process {

struct Spec {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to (or replacing) the environment
  std::vector<std::string> unset_env;      // removed from the environment
  std::filesystem::path cwd;               // empty: the current directory
  std::chrono::milliseconds timeout{0};    // 0: none
  bool capture = false;                    // keep the output in Result::output
  std::string input;                       // written to stdin, then closed
};

struct Result {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string output;  // when Spec::capture
  bool ok() const { return exit_code == 0 && !timed_out; }
  std::string describe() const;  // "exit code 2", "killed by signal 9", "timed out"
};

// Runs to completion. The child gets its own process group (a timeout kills
// the whole group) and dies with relman (PR_SET_PDEATHSIG), so a killed run
// leaves no orphan still doing the step's work. Throws std::runtime_error
// when the program cannot be started (not found, not executable).
Result run(const Spec& spec, const std::function<void(std::string_view line)>& on_line = {});

// An argv as a person would type it, for logs and messages: words with
// spaces or quotes are single-quoted.
std::string show_argv(const std::vector<std::string>& argv);

// This process's environment, name -> value.
std::map<std::string, std::string> environment();

// Looks a program up in PATH; empty if not found.
std::filesystem::path find_program(const std::string& name);
// The same in `path`, a PATH value (dir:dir:...).
std::filesystem::path find_program(const std::string& name, const std::string& path);

}  // namespace relman::process
