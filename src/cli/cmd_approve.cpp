// relman approve ID [--as NAME]: the green light at a gate.
#include <fmt/format.h>

#include "cli/options.h"
#include "cli/run_support.h"
#include "core/errors.h"

namespace relman::cli {

int cmd_approve(const Options& o) {
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  const StepDef* step = run->workflow.find(o.step);
  if (!step) throw UsageError(fmt::format("the workflow has no step '{}'", o.step));
  if (step->uses != "gate")
    throw UsageError(fmt::format("step '{}' is a {}, not a gate; only gates are approved", o.step, step->uses));
  const StepStatus* s = run->state.find(o.step);
  if (s && (s->approved || s->state == StepState::succeeded)) {
    say(o, fmt::format("relman: {} was already approved by {}", o.step, s->approved_by));
    return exit_code::finished;
  }
  std::string who = o.as;
  if (who.empty()) {
    const char* user = std::getenv("USER");
    who = user ? user : "unknown";
  }
  run->journal->append({{"event", "step_approved"}, {"step", o.step}, {"by", who}});
  say(o, fmt::format("relman: {} approved by {}; continue with: {}", o.step, who, with_state_dir("relman resume", dir)));
  return exit_code::finished;
}

}  // namespace relman::cli
