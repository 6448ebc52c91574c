// relman approve ID [--as NAME]: the green light at a gate, also while
// another relman drives the run (cli/handover.h).
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "cli/handover.h"
#include "cli/identity.h"
#include "cli/options.h"
#include "cli/run_support.h"
#include "cli/suggest.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

void check_gate(const Workflow& wf, const std::string& id) {
  const StepDef* step = wf.find(id);
  if (!step) throw unknown_step(id, step_ids(wf), "approve");
  if (step->uses != "gate")
    throw UsageError(fmt::format("step '{}' is a {}, not a gate; only gates are approved", id, step->uses));
}

// The run is locked by another relman: hand the approval over and wait a
// little for it to be recorded.
int approve_while_locked(const Options& o, const std::filesystem::path& dir) {
  auto r = read_run(dir);
  if (!r.workflow) throw StateError(fmt::format("cannot approve: {}", r.warning));
  check_gate(*r.workflow, o.step);
  if (const StepStatus* s = r.state.find(o.step); s && (s->approved || s->state == StepState::succeeded)) {
    say(o, fmt::format("relman: {} was already approved by {}", o.step, s->approved_by));
    return exit_code::finished;
  }
  const std::string who =
      identity_or_refuse(o.as, r.state.run.value("repo", std::string()), r.state.mode == "execute");
  auto holder = lock_holder(dir);
  auto request = hand_over_approval(dir, o.step, who);
  say(o, fmt::format("relman: another relman (pid {}) is driving this run; handing it the approval of {} by {}",
                     holder ? std::to_string(holder->pid) : "?", o.step, who));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_s);
  while (std::filesystem::exists(request) && std::chrono::steady_clock::now() < deadline) {
    if (!lock_holder(dir)) {
      // The driver ended before it looked: record it ourselves.
      try {
        open_run(dir, o.accept_workflow_change);
        break;
      } catch (const LockError&) {
        // Taken again meanwhile: the new holder takes the request.
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (std::filesystem::exists(request)) {
    say(o, fmt::format("relman: not taken yet; it stays in {} and is recorded by the running relman when it next "
                       "looks (while steps run) or by the next relman that opens the run",
                       requests_dir(dir).string()));
    return exit_code::finished;
  }
  say(o, fmt::format("relman: {} approved by {}; the running relman continues past it", o.step, who));
  return exit_code::finished;
}

}  // namespace

int cmd_approve(const Options& o) {
  auto dir = find_run(o);
  std::unique_ptr<OpenRun> run;
  try {
    run = open_run(dir, o.accept_workflow_change);
  } catch (const LockError&) {
    return approve_while_locked(o, dir);
  }
  check_gate(run->workflow, o.step);
  const StepStatus* s = run->state.find(o.step);
  if (s && (s->approved || s->state == StepState::succeeded)) {
    say(o, fmt::format("relman: {} was already approved by {}", o.step, s->approved_by));
    return exit_code::finished;
  }
  const std::string who = identity_or_refuse(o.as, run->state.run.value("repo", std::string()),
                                             run->state.mode == "execute");
  run->journal->append({{"event", "step_approved"}, {"step", o.step}, {"by", who}});
  say(o, fmt::format("relman: {} approved by {}; continue with: {}", o.step, who, with_state_dir("relman resume", dir)));
  return exit_code::finished;
}

}  // namespace relman::cli
