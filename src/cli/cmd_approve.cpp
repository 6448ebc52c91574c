// relman approve ID [--as NAME]: the green light at a gate, also while
// another relman drives the run (cli/handover.h).
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/handover.h"
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

struct ApproveArgs {
  std::string step;
  int wait_s = 15;  // how long to wait for a running relman to take the approval
};

void check_gate(const Workflow& wf, const std::string& id) {
  const StepDef* step = wf.find(id);
  if (!step) throw unknown_step(id, step_ids(wf), "approve");
  if (!step->is_gate())
    throw UsageError(fmt::format("step '{}' is a {}, not a gate; only gates are approved", id, step->uses));
}

// The run is locked by another relman: hand the approval over and wait a
// little for it to be recorded.
int approve_while_locked(const Options& o, const ApproveArgs& a, const std::filesystem::path& dir) {
  auto r = read_run(dir);
  if (!r.workflow) throw StateError(fmt::format("cannot approve: {}", r.warning));
  check_gate(*r.workflow, a.step);
  if (const StepStatus* s = r.state.find(a.step); s && (s->approved || s->state == StepState::succeeded)) {
    say(o, fmt::format("relman: {} was already approved by {}", a.step, s->approved_by));
    return exit_code::finished;
  }
  const std::string who = identity_or_refuse(o.as, r.state.run.value("repo", std::string()), r.state.mode == "execute");
  auto holder = lock_holder(dir);
  auto request = hand_over_approval(dir, a.step, who);
  say(o, fmt::format("relman: another relman (pid {}) is driving this run; handing it the approval of {} by {}",
                     holder ? std::to_string(holder->pid) : "?", a.step, who));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.wait_s);
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
  say(o, fmt::format("relman: {} approved by {}; the running relman continues past it", a.step, who));
  return exit_code::finished;
}

int approve(const Options& o, const ApproveArgs& a) {
  auto dir = find_run(o);
  std::unique_ptr<OpenRun> run;
  try {
    run = open_run(dir, o.accept_workflow_change);
  } catch (const LockError&) {
    return approve_while_locked(o, a, dir);
  }
  check_gate(run->workflow, a.step);
  const StepStatus* s = run->state.find(a.step);
  if (s && (s->approved || s->state == StepState::succeeded)) {
    say(o, fmt::format("relman: {} was already approved by {}", a.step, s->approved_by));
    return exit_code::finished;
  }
  const std::string who =
      identity_or_refuse(o.as, run->state.run.value("repo", std::string()), run->state.mode == "execute");
  record(*run, {{"event", "step_approved"}, {"step", a.step}, {"by", who}});
  say(o,
      fmt::format("relman: {} approved by {}; continue with: {}", a.step, who, with_state_dir("relman resume", dir)));
  return exit_code::finished;
}

}  // namespace

Command register_approve(CLI::App& app, Options& o) {
  auto args = std::make_shared<ApproveArgs>();
  CLI::App* c =
      add_command(app, "approve", "Approve a gate (PEP 101's STOP STOP STOP)", "relman approve green-light --as ned");
  c->add_option("ID", args->step, "gate step id")->required();
  add_run_dir(*c, o);
  add_accept_workflow_change(*c, o);
  add_as(*c, o, "who approves (default: git user.name <user.email>, else $USER)");
  c->add_option("--wait", args->wait_s,
                "while another relman drives the run: seconds to wait for it to take the approval (default: 15)")
      ->check(CLI::Range(0, 3600));
  return {c, [args](const Options& o) { return approve(o, *args); }};
}

}  // namespace relman::cli
