#include "cli/app.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/shared_options.h"
#include "cli/suggest.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

void error(const std::string& message, const std::string& hint = {}) {
  std::fprintf(stderr, "relman: error: %s\n", message.c_str());
  if (!hint.empty()) std::fprintf(stderr, "relman: hint: %s\n", hint.c_str());
}

// A word CLI11 did not expect: the closest command (for the first word) or
// option of the command given.
std::string typo_hint(const CLI::App& app, int argc, char** argv) {
  const CLI::App* cmd = nullptr;
  for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; }))
    if (argc > 1 && c->get_name() == argv[1]) cmd = c;
  if (cmd) {
    std::vector<std::string> options;
    for (const auto* opt : cmd->get_options())
      for (const auto& l : opt->get_lnames()) options.push_back("--" + l);
    for (int i = 2; i < argc; ++i) {
      std::string word = argv[i];
      if (word.rfind("--", 0) != 0) continue;
      word = word.substr(0, word.find('='));
      if (std::find(options.begin(), options.end(), word) != options.end()) continue;
      if (auto hint = did_you_mean(word, options); !hint.empty())
        return fmt::format("`{}` is not an option of `relman {}`; {}", word, cmd->get_name(), hint);
    }
    return fmt::format("see `relman {} --help`", cmd->get_name());
  }
  return "see `relman --help` or `relman COMMAND --help`";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "relman: a release manager's engine. Runs a release runbook (CPython's PEP 101) as a resumable,\n"
      "journaled workflow.\n\nExample:\n  relman plan 3.12.0\n  relman rehearse 3.12.0 --repo ~/cpython\n"
      "  relman status\n  relman resume",
      "relman"};
  app.set_version_flag("--version", std::string("relman ") + RELMAN_VERSION);
  app.require_subcommand(1);
  add_verbosity(app, o);
  std::vector<Command> cmds;
  for (RegisterCommand add : all_commands()) cmds.push_back(add(app, o));

  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; })) commands.push_back(c->get_name());
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      auto hint = did_you_mean(word, commands);
      error(fmt::format("`{}` is not a relman command", word), hint.empty() ? "see `relman --help`" : hint);
      return exit_code::usage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    error(e.what(), typo_hint(app, argc, argv));
    return exit_code::usage;
  }

  if (o.verbose && o.quiet) {
    error("-v/--verbose and -q/--quiet together", "choose one");
    return exit_code::usage;
  }
  try {
    for (const auto& c : cmds)
      if (c.app->parsed()) return c.run(o);
    error("no command given", "see `relman --help`");
    return exit_code::usage;
  } catch (const UsageError& e) {
    error(e.what(), e.hint());
    return exit_code::usage;
  } catch (const ConfigError& e) {
    error(e.problems().size() > 1 ? fmt::format("{} problems:\n{}", e.problems().size(), e.what()) : e.what());
    return exit_code::usage;
  } catch (const LockError& e) {
    error(e.what());
    return exit_code::locked;
  } catch (const StateError& e) {
    error(e.what());
    return exit_code::state;
  } catch (const StepError& e) {
    error(e.what());
    return exit_code::step_failed;
  } catch (const std::exception& e) {
    error(e.what());
    return exit_code::step_failed;
  }
}

}  // namespace relman::cli
