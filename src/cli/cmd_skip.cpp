// relman skip ID --reason TEXT: the release manager takes a step off the run.
#include <fmt/format.h>

#include "cli/identity.h"
#include "cli/options.h"
#include "cli/suggest.h"
#include "cli/run_support.h"
#include "core/errors.h"

namespace relman::cli {

int cmd_skip(const Options& o) {
  if (o.reason.empty()) throw UsageError("skip needs --reason TEXT", "the reason goes into the journal and the report");
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  if (!run->workflow.find(o.step)) throw unknown_step(o.step, step_ids(run->workflow), "skip");
  const StepStatus* s = run->state.find(o.step);
  if (s && s->state == StepState::succeeded)
    throw UsageError(fmt::format("step '{}' already succeeded; there is nothing to skip", o.step),
                     fmt::format("to run it again: relman retry {}", o.step));
  const std::string who =
      identity_or_refuse(o.as, run->state.run.value("repo", std::string()), run->state.mode == "execute");
  run->journal->append({{"event", "step_skipped"}, {"step", o.step}, {"by", "user"}, {"who", who}, {"reason", o.reason}});
  say(o, fmt::format("relman: {} skipped ({}); continue with: {}", o.step, o.reason, with_state_dir("relman resume", dir)));
  return exit_code::finished;
}

}  // namespace relman::cli
