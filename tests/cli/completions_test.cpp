// The shell completions in completions/ against the binary's own --help: each
// shell offers every command, and for each command exactly the options the
// command takes (a new option missing from a completion, or a completion
// offering an option the command refuses, fails here). bash and fish are asked
// for real (their completion functions run); zsh has no way to run a
// completion outside an interactive shell, so its file is parsed by zsh
// itself and its per-command `_arguments` lines are compared.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <regex>
#include <set>
#include <sstream>

#include "support/matchers.h"
#include "support/names.h"

namespace {

namespace fs = std::filesystem;

fs::path completions() { return fs::path(RELMAN_TEST_DIR).parent_path() / "completions"; }

std::set<std::string> long_options_in(const std::string& text, const std::regex& option) {
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

// The option column of CLI11's help, not the descriptions (which mention
// other commands' options, such as "(needs --execute)").
std::set<std::string> options_of(const std::string& command) {
  Ran help = relman::test::relman({command, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  std::set<std::string> out;
  std::istringstream in(help.out);
  const std::regex column(R"(^  (?:-\w,)?(--[a-z][a-z-]*))");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, column)) out.insert(m[1].str());
  }
  out.erase("--help");
  return out;
}

std::vector<std::string> commands() {
  Ran help = relman::test::relman({"--help"});
  std::vector<std::string> out;
  std::istringstream in(help.out);
  bool in_list = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "Subcommands:") {
      in_list = true;
      continue;
    }
    std::smatch m;
    if (in_list && std::regex_search(line, m, std::regex(R"(^  ([a-z]+) )"))) out.push_back(m[1].str());
  }
  return out;
}

std::set<std::string> without_global(std::set<std::string> s) {
  for (const char* g : {"--help", "--verbose", "--quiet", "--version"}) s.erase(g);
  return s;
}

std::string lines(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += x + " ";
  return out;
}

TEST(Completions, TheBinaryListsItsCommands) {
  auto cmds = commands();
  EXPECT_GE(cmds.size(), 13u);
  for (const char* c : {"plan", "rehearse", "start", "resume", "approve", "doctor"})
    EXPECT_NE(std::find(cmds.begin(), cmds.end(), c), cmds.end()) << c;
}

TEST(Completions, BashOffersEveryCommandAndExactlyEachCommandsOptions) {
  std::string file = (completions() / "relman.bash").string();
  auto ask = [&](const std::string& words) {
    // The fallback path of the function (no bash-completion package loaded):
    // COMP_WORDS as bash sets them when Tab is pressed after `words`.
    Ran r =
        sh("bash -c " + quote("source " + quote(file) + "; COMP_WORDS=(" + words +
                              "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _relman; printf '%s\\n' \"${COMPREPLY[@]}\""));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  std::string top = ask("relman ''");
  for (const auto& c : commands()) EXPECT_THAT(top, HasSubstr(c + "\n")) << "bash does not offer `" << c << "`";
  for (const auto& c : commands()) {
    auto offered = without_global(long_options_in(ask("relman " + c + " --"), std::regex(R"((--[a-z][a-z-]*))")));
    EXPECT_EQ(offered, options_of(c)) << "relman " << c << ": bash offers [" << lines(offered) << "], --help lists ["
                                      << lines(options_of(c)) << "]";
  }
}

TEST(Completions, FishOffersEveryCommandAndExactlyEachCommandsOptions) {
  ASSERT_EQ(sh("command -v fish").exit_code, 0) << "fish is not installed: scripts/setup.sh installs it";
  std::string file = (completions() / "relman.fish").string();
  auto ask = [&](const std::string& line) {
    Ran r = sh("fish --no-config -c " + quote("source " + quote(file) + "; complete -C " + quote(line)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  std::string top = ask("relman ");
  for (const auto& c : commands()) EXPECT_THAT(top, HasSubstr(c + "\t")) << "fish does not offer `" << c << "`";
  for (const auto& c : commands()) {
    auto offered =
        without_global(long_options_in(ask("relman " + c + " --"), std::regex(R"((?:^|\n)(--[a-z][a-z-]*))")));
    EXPECT_EQ(offered, options_of(c)) << "relman " << c << ": fish offers [" << lines(offered) << "], --help lists ["
                                      << lines(options_of(c)) << "]";
  }
}

TEST(Completions, ZshParsesItsFileAndEachCommandsArgumentsMatchItsOptions) {
  ASSERT_EQ(sh("command -v zsh").exit_code, 0) << "zsh is not installed: scripts/setup.sh installs it";
  fs::path file = completions() / "_relman";
  Ran parsed = sh("zsh -n " + quote(file.string()));
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
  std::string text = read_file(file);
  // `$run_opts` and `$state_dir` are arrays the file declares once.
  auto array = [&](const std::string& name) {
    auto at = text.find("local -a " + name + "=(");
    EXPECT_NE(at, std::string::npos) << name;
    if (at == std::string::npos) return std::string();
    auto eol = text.find('\n', at);
    if (text[eol - 1] == ')') return text.substr(at, eol - at);  // on one line
    return text.substr(at, text.find("\n  )", at) - at);
  };
  std::map<std::string, std::string> arrays = {
      {"$run_name", array("run_name")}, {"$run_opts", array("run_opts")}, {"$state_dir", array("state_dir")}};
  for (const auto& c : commands()) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex("\\n\\s+" + c + "\\) ([\\s\\S]*?);;"))) << c;
    std::string args = m[1].str();
    for (const auto& [name, value] : arrays)
      if (args.find(name) != std::string::npos) args += " " + value;
    auto offered = without_global(long_options_in(args, std::regex(R"((--[a-z][a-z-]*)[\[=,}])")));
    EXPECT_EQ(offered, options_of(c)) << "relman " << c << ": zsh offers [" << lines(offered) << "], --help lists ["
                                      << lines(options_of(c)) << "]";
  }
}

}  // namespace
