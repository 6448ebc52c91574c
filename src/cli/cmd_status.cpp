// relman status: where the run stands, and what to do next.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/shared_options.h"
#include "cli/status_view.h"
#include "cli/terminal.h"
#include "cli/width.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

int status(const Options& o, bool json) {
  auto dir = find_run(o);
  auto r = read_run(dir, false);
  if (!r.warning.empty()) std::fprintf(stderr, "relman: warning: %s\n", r.warning.c_str());
  auto rows = status_rows(r);
  if (json) {
    std::string out = status_json(r, rows).dump(2);
    std::puts(out.c_str());
    return exit_code::finished;
  }
  Terminal term(stdout);
  // -q: the next command alone; -v: notes are not cut to the width.
  if (!o.quiet) std::fputs(status_table(r, rows, term, o.verbose ? 1000 : columns(stdout)).c_str(), stdout);
  std::puts(next_action(r, rows, dir).c_str());
  return exit_code::finished;
}

}  // namespace

Command register_status(CLI::App& app, Options& o) {
  auto json = std::make_shared<bool>(false);
  CLI::App* c = add_command(app, "status", "Show each step's state, duration and attempts, and the next action",
                            "relman status --json");
  add_run_dir(*c, o);
  c->add_flag("--json", *json, "machine-readable output");
  return {c, [json](const Options& o) { return status(o, *json); }};
}

}  // namespace relman::cli
