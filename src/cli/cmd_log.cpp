// relman log ID: what a step and its child processes printed.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "adapters/durable.h"
#include "cli/command.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/say.h"
#include "cli/shared_options.h"
#include "cli/suggest.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

int print_log(const Options& o, const std::string& step) {
  auto dir = find_run(o);
  auto r = read_run(dir);
  if (r.workflow && !r.workflow->find(step)) throw unknown_step(step, step_ids(*r.workflow), "log");
  auto path = dir / "logs" / (step + ".log");
  if (!std::filesystem::exists(path)) {
    say(o, fmt::format("relman: step '{}' has not written a log yet ({})", step, path.string()));
    return exit_code::finished;
  }
  std::string text = durable::read_file(path);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return exit_code::finished;
}

}  // namespace

Command register_log(CLI::App& app, Options& o) {
  auto step = std::make_shared<std::string>();
  CLI::App* c = add_command(app, "log", "Print a step's log", "relman log build");
  c->add_option("ID", *step, "step id")->required();
  add_run_dir(*c, o);
  return {c, [step](const Options& o) { return print_log(o, *step); }};
}

}  // namespace relman::cli
