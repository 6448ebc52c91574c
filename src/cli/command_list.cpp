// The one list of relman's commands; each is defined in its cli/cmd_*.cpp.
#include "cli/command.h"

#include <string>

namespace relman::cli {

Command register_plan(CLI::App& app, Options& o);
Command register_rehearse(CLI::App& app, Options& o);
Command register_start(CLI::App& app, Options& o);
Command register_resume(CLI::App& app, Options& o);
Command register_status(CLI::App& app, Options& o);
Command register_retry(CLI::App& app, Options& o);
Command register_skip(CLI::App& app, Options& o);
Command register_approve(CLI::App& app, Options& o);
Command register_graph(CLI::App& app, Options& o);
Command register_log(CLI::App& app, Options& o);
Command register_report(CLI::App& app, Options& o);
Command register_verify(CLI::App& app, Options& o);
Command register_doctor(CLI::App& app, Options& o);

const std::vector<RegisterCommand>& all_commands() {
  static const std::vector<RegisterCommand> commands = {
      register_plan,   register_rehearse, register_start,   register_resume, register_status,
      register_retry,  register_skip,     register_approve, register_graph,  register_log,
      register_report, register_verify,   register_doctor};
  return commands;
}

CLI::App* add_command(CLI::App& app, const char* name, const char* help, const char* example) {
  CLI::App* c = app.add_subcommand(name, help);
  c->fallthrough();  // -v/-q after the command too
  c->footer(std::string("Example:\n  ") + example);
  return c;
}

}  // namespace relman::cli
