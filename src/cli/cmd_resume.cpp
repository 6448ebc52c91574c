// relman resume / relman retry ID: continue a run.
#include <fmt/format.h>

#include "cli/options.h"
#include "cli/run_support.h"
#include "cli/settings_change.h"
#include "cli/suggest.h"
#include "core/errors.h"
#include "core/retry.h"

namespace relman::cli {

int cmd_resume(const Options& o) {
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  if (run->state.finished) {
    say(o, fmt::format("relman: the run of {} in {} has finished; nothing to resume", run->version.str(), dir.string()));
    return exit_code::finished;
  }
  change_settings(*run, o);
  record(*run, {{"event", "run_resumed"}, {"ci", o.ci}});
  return drive(*run, o);
}

int cmd_retry(const Options& o) {
  auto dir = find_run(o);
  auto run = open_run(dir, o.accept_workflow_change);
  const StepDef* step = run->workflow.find(o.step);
  if (!step) throw unknown_step(o.step, step_ids(run->workflow), "retry");
  // The step starts over (its checkpoint is dropped), and so does everything
  // after it that already ran on its results.
  std::vector<std::string> reset = steps_to_reset(run->workflow, run->state, step->id);
  for (const auto& id : reset)
    record(*run, {{"event", "step_reset"}, {"step", id}, {"by", "retry " + step->id}});
  if (reset.size() > 1) {
    std::string rest;
    for (size_t i = 1; i < reset.size(); ++i) rest += " " + reset[i];
    say(o, fmt::format("relman: {} starts over, and after it:{}", step->id, rest));
  }
  record(*run, {{"event", "run_resumed"}, {"ci", o.ci}, {"retry", step->id}});
  return drive(*run, o);
}

}  // namespace relman::cli
