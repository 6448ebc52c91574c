// relman skip ID --reason TEXT: the release manager takes a step off the run.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/identity.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/say.h"
#include "cli/shared_options.h"
#include "cli/suggest.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

struct SkipArgs {
  std::string step;
  std::string reason;
};

int skip(const Options& o, const SkipArgs& a) {
  if (a.reason.empty()) throw UsageError("skip needs --reason TEXT", "the reason goes into the journal and the report");
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  if (!run->workflow.find(a.step)) throw unknown_step(a.step, step_ids(run->workflow), "skip");
  const StepStatus* s = run->state.find(a.step);
  if (s && s->state == StepState::succeeded)
    throw UsageError(fmt::format("step '{}' already succeeded; there is nothing to skip", a.step),
                     fmt::format("to run it again: relman retry {}", a.step));
  const std::string who =
      identity_or_refuse(o.as, run->state.run.value("repo", std::string()), run->state.mode == "execute");
  record(*run, {{"event", "step_skipped"}, {"step", a.step}, {"by", "user"}, {"who", who}, {"reason", a.reason}});
  say(o, fmt::format("relman: {} skipped ({}); continue with: {}", a.step, a.reason,
                     with_state_dir("relman resume", dir)));
  return exit_code::finished;
}

}  // namespace

Command register_skip(CLI::App& app, Options& o) {
  auto args = std::make_shared<SkipArgs>();
  CLI::App* c = add_command(app, "skip", "Record a step as skipped, with a reason",
                            "relman skip check-blockers --reason \"offline\"");
  c->add_option("ID", args->step, "step id")->required();
  c->add_option("--reason", args->reason, "why (kept in the journal)")->required();
  add_accept_workflow_change(*c, o);
  add_run_dir(*c, o);
  add_as(*c, o, "who skips it (default: git user.name <user.email>, else $USER)");
  return {c, [args](const Options& o) { return skip(o, *args); }};
}

}  // namespace relman::cli
