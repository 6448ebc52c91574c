#include "support/shell.h"
#include "test_paths.h"

#include <stdexcept>

#include "adapters/process.h"
#include "support/temp_dir.h"

namespace relman::test {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

Ran sh(const std::string& command, const std::filesystem::path& cwd) {
  TempDir io;
  std::string full =
      "(" + command + ") >" + quote((io / "out").string()) + " 2>" + quote((io / "err").string()) + " </dev/null";
  process::Spec spec;
  spec.argv = {"/bin/sh", "-c", full};
  spec.cwd = cwd;
  auto r = process::run(spec);
  Ran ran;
  ran.exit_code = r.exit_code;
  ran.out = read_file(io / "out");
  ran.err = read_file(io / "err");
  return ran;
}

std::string sh_ok(const std::string& command, const std::filesystem::path& cwd) {
  Ran r = sh(command, cwd);
  if (r.exit_code != 0)
    throw std::runtime_error("command failed (" + std::to_string(r.exit_code) + "): " + command + "\n" + r.out + r.err);
  return r.out;
}

Ran relman(const std::vector<std::string>& args, const std::filesystem::path& cwd,
           const std::map<std::string, std::string>& env) {
  std::string cmd;
  for (const auto& [k, v] : env) cmd += k + "=" + quote(v) + " ";
  cmd += quote(RELMAN_BINARY);
  for (const auto& a : args) cmd += " " + quote(a);
  return sh(cmd, cwd);
}

void make_repo(const std::filesystem::path& dir, const std::map<std::string, std::string>& files) {
  std::filesystem::create_directories(dir);
  sh_ok(
      "git init -q -b main . && git config user.name 'Test Releaser' && git config user.email rm@example.org "
      "&& git config commit.gpgsign false",
      dir);
  for (const auto& [path, content] : files) write_file(dir / path, content);
  sh_ok("git add -A && git commit -q -m 'Initial commit'", dir);
}

}  // namespace relman::test
