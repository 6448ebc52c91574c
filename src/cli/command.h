// A relman command: its file (cli/cmd_*.cpp) adds the subcommand and its
// options to the app and says how to run it; cli/command_list.cpp lists the
// commands.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

#include "cli/options.h"

namespace relman::cli {

struct Command {
  CLI::App* app;  // parsed(): this is the command given
  // Called once the command line parsed; returns the exit code.
  std::function<int(const Options&)> run;
};

// Adds a command to `app`. What it shares with other commands goes into `o`
// (cli/shared_options.h); what is its own, into storage `run` keeps.
using RegisterCommand = Command (*)(CLI::App& app, Options& o);

// The subcommand `name`, with its help line and an example as its footer;
// -v/-q may follow it.
CLI::App* add_command(CLI::App& app, const char* name, const char* help, const char* example);

// Every command, in the order `relman --help` lists them.
const std::vector<RegisterCommand>& all_commands();

}  // namespace relman::cli
