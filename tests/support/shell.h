// Running commands from tests: the shell for set-up and checks (git, gpg,
// tar), and the relman binary itself as a real process.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace relman::test {

struct Ran {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// /bin/sh -c `command` in `cwd`; stdout and stderr captured separately.
Ran sh(const std::string& command, const std::filesystem::path& cwd = {});
// Like sh() but throws with the output when the command fails.
std::string sh_ok(const std::string& command, const std::filesystem::path& cwd = {});

// The built relman binary with `args`, in `cwd`, with extra environment.
Ran relman(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
           const std::map<std::string, std::string>& env = {});

// A shell-quoted word.
std::string quote(const std::string& s);

// A fresh repository at `dir` with a configured identity and one commit of
// `files` (path -> content) on branch main.
void make_repo(const std::filesystem::path& dir, const std::map<std::string, std::string>& files);

}  // namespace relman::test
