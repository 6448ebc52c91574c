// relman resume / relman retry ID: continue a run.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/drive.h"
#include "cli/junit.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/say.h"
#include "cli/settings_change.h"
#include "cli/shared_options.h"
#include "cli/suggest.h"
#include "core/errors.h"
#include "core/retry.h"

namespace relman::cli {

namespace {

int resume(const Options& o) {
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  if (run->state.finished) {
    // Killed after the run's last event but before its JUnit report: the
    // report is derived from the journal, so it is written now.
    if (!std::filesystem::exists(dir / "artifacts" / "junit.xml")) write_junit_report(*run, o);
    say(o,
        fmt::format("relman: the run of {} in {} has finished; nothing to resume", run->version.str(), dir.string()));
    return exit_code::finished;
  }
  change_settings(*run, o);
  record(*run, {{"event", "run_resumed"}, {"ci", o.ci}});
  return drive(*run, o);
}

int retry(const Options& o, const std::string& id) {
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  const StepDef* step = run->workflow.find(id);
  if (!step) throw unknown_step(id, step_ids(run->workflow), "retry");
  // The step starts over (its checkpoint is dropped), and so does everything
  // after it that already ran on its results.
  std::vector<std::string> reset = steps_to_reset(run->workflow, run->state, step->id);
  for (const auto& id : reset) record(*run, {{"event", "step_reset"}, {"step", id}, {"by", "retry " + step->id}});
  if (reset.size() > 1) {
    std::string rest;
    for (size_t i = 1; i < reset.size(); ++i) rest += " " + reset[i];
    say(o, fmt::format("relman: {} starts over, and after it:{}", step->id, rest));
  }
  record(*run, {{"event", "run_resumed"}, {"ci", o.ci}, {"retry", step->id}});
  return drive(*run, o);
}

}  // namespace

Command register_resume(CLI::App& app, Options& o) {
  CLI::App* c = add_command(app, "resume", "Continue a run after a failure was fixed, a gate approved, or a crash",
                            "relman resume --run rehearse-3.12.0");
  add_run_dir(*c, o);
  add_jobs(*c, o);
  add_ci(*c, o);
  add_auto_approve(*c, o);
  add_yes(*c, o);
  add_accept_workflow_change(*c, o);
  add_vars(*c, o, "correct a workflow var recorded at the start: KEY=VALUE (journaled)");
  add_sign_with(*c, o, "correct the signing key recorded at the start (journaled)");
  c->add_option("--redo", o.redo, "with --var/--sign-with: steps that finished and must be made again: ID[,ID]");
  add_as(*c, o);
  return {c, resume};
}

Command register_retry(CLI::App& app, Options& o) {
  auto step = std::make_shared<std::string>();
  CLI::App* c =
      add_command(app, "retry", "Run a step again from scratch (and the steps after it that used its results)",
                  "relman retry build");
  c->add_option("ID", *step, "step id")->required();
  add_run_dir(*c, o);
  add_jobs(*c, o);
  add_ci(*c, o);
  add_yes(*c, o);
  add_accept_workflow_change(*c, o);
  add_as(*c, o, "who approves gates at the terminal");
  return {c, [step](const Options& o) { return retry(o, *step); }};
}

}  // namespace relman::cli
