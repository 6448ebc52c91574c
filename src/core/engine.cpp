#include "core/engine.h"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <optional>
#include <set>
#include <thread>

#include "adapters/durable.h"
#include "core/errors.h"
#include "core/recovery.h"
#include "core/step_log.h"
#include "core/template.h"

namespace relman {

Engine::Engine(const Workflow& wf, const Version& version, Journal& journal, RunState& state, Redactor& redactor,
               EngineOptions options)
    : wf_(wf), version_(version), journal_(journal), state_(state), redactor_(redactor), opt_(std::move(options)) {
  if (opt_.jobs < 1) opt_.jobs = 1;
}

nlohmann::json Engine::record(nlohmann::json event, bool sync) {
  std::lock_guard lock(mu_);
  auto ev = journal_.append(std::move(event), sync);
  apply_event(state_, ev);
  if (opt_.on_event) opt_.on_event(ev);
  return ev;
}

// A need is finished when it succeeded, or when it was skipped and its own
// needs are finished: skipping a step passes over its work, not over the
// order it stood in (docs/workflow-format.md, "Skipped steps").
bool Engine::finished(const std::string& id, std::map<std::string, bool>& memo) const {
  if (auto it = memo.find(id); it != memo.end()) return it->second;
  const StepStatus* s = state_.find(id);
  bool done = false;
  if (s && s->state == StepState::succeeded) {
    done = true;
  } else if (s && s->state == StepState::skipped) {
    done = true;
    if (const StepDef* def = wf_.find(id))
      for (const auto& n : def->needs)
        if (!finished(n, memo)) {
          done = false;
          break;
        }
  }
  memo[id] = done;
  return done;
}

bool Engine::deps_done(const StepDef& step, std::map<std::string, bool>& memo) const {
  for (const auto& n : step.needs)
    if (!finished(n, memo)) return false;
  return true;
}

namespace {

// A required parameter that is exactly one output of a step that was
// skipped has nothing to hold. Say which step left it empty and the two ways
// on, rather than the kind's "parameter is required".
void refuse_skipped_sources(const StepDef& step, const nlohmann::json& expanded, const RunState& state) {
  for (const auto& p : step.kind->params()) {
    if (!p.required || (expanded.contains(p.name) && !expanded[p.name].is_null())) continue;
    if (!step.with.contains(p.name) || !step.with[p.name].is_string()) continue;
    const std::string raw = step.with[p.name].get<std::string>();
    const auto exprs = find_templates(raw);
    if (exprs.size() != 1 || raw.size() != exprs[0].text.size() + 3) continue;
    const std::string& t = exprs[0].text;
    const std::string prefix = "steps.";
    const size_t dot = t.find('.', prefix.size());
    if (t.rfind(prefix, 0) != 0 || dot == std::string::npos) continue;
    const std::string source = t.substr(prefix.size(), dot - prefix.size());
    const StepStatus* s = state.find(source);
    if (!s || s->state != StepState::skipped) continue;
    throw StepError(fmt::format(
        "`{}` is ${{{}}}, but {} was skipped, so it has no value. Skip this step too (relman skip {} --reason "
        "\"...\"), or make {} run (relman retry {})",
        p.name, t, source, step.id, source, source));
  }
}

}  // namespace

std::unique_ptr<StepContext> Engine::make_context(const StepDef& step, StepLog& log) {
  auto owned = std::make_unique<StepContext>();
  StepContext& ctx = *owned;
  {
    std::lock_guard lock(mu_);
    ctx.with = expand_templates(step.with, make_resolver(version_, opt_.vars, opt_.paths, &state_));
    refuse_skipped_sources(step, ctx.with, state_);
  }
  ctx.step_id = step.id;
  ctx.release = version_;
  ctx.repo = opt_.paths.repo;
  ctx.state_dir = opt_.paths.state;
  ctx.artifacts_dir = opt_.paths.artifacts;
  ctx.work_dir = opt_.paths.state / "work" / step.id;
  std::filesystem::create_directories(ctx.work_dir);
  ctx.mode = opt_.paths.mode;
  ctx.ci = opt_.ci;
  ctx.interactive = opt_.interactive && !opt_.ci;
  ctx.assume_yes = opt_.assume_yes;
  ctx.sandbox = opt_.sandbox;
  ctx.log = &log;
  ctx.redactor = &redactor_;
  {
    std::lock_guard lock(mu_);
    ctx.checkpoint = state_.steps[step.id].checkpoint;
  }
  ctx.progress = [this, id = step.id](const std::string& line) {
    if (opt_.on_progress) opt_.on_progress(id, redactor_.apply(line));
  };
  // Journaled (and fsync'd) before the step goes on to the effect it guards.
  ctx.save_checkpoint = [this, &ctx, id = step.id](const nlohmann::json& d) {
    record({{"event", "step_checkpoint"}, {"step", id}, {"data", d}});
    ctx.checkpoint.update(d);
  };
  return owned;
}

std::set<std::string> Engine::reconcile() {
  std::set<std::string> failed;
  for (const auto& step : wf_.steps) {
    StepState st;
    {
      std::lock_guard lock(mu_);
      st = state_.steps[step.id].state;
    }
    if (st != StepState::running) continue;
    StepLog log(opt_.paths.logs / (step.id + ".log"), &redactor_);
    log.line(fmt::format("--- {}: relman stopped while this step ran; probing whether its effect is in place",
                         iso_time(now_ms())));
    ProbeOutcome p;
    std::string error;
    try {
      auto ctx = make_context(step, log);
      p = step.kind->probe(*ctx);
    } catch (const std::exception& e) {
      error = redactor_.apply(e.what());
    }
    log.line(fmt::format("probe: {}{}", error.empty() ? to_string(p.result) : "error",
                         p.detail.empty() ? "" : " (" + p.detail + ")"));
    if (!error.empty() || p.result == ProbeResult::unknown) failed.insert(step.id);
    if (!error.empty()) {
      record({{"event", "step_failed"}, {"step", step.id}, {"error", error}, {"reconcile", true}, {"decide", true}});
    } else if (p.result == ProbeResult::done) {
      record({{"event", "step_succeeded"},
              {"step", step.id},
              {"outputs", p.outputs},
              {"reconciled", true},
              {"detail", p.detail}});
    } else if (p.result == ProbeResult::unknown) {
      // Running it again might do it twice: only the release manager's
      // `retry` or `skip` moves it on, never a plain resume.
      record({{"event", "step_failed"},
              {"step", step.id},
              {"reconcile", true},
              {"decide", true},
              {"error", fmt::format("relman stopped while '{}' was running and cannot tell whether it finished{}. "
                                    "Check by hand, then `relman retry {}` to run it again, or "
                                    "`relman skip {} --reason \"done by hand\"` if its work is done",
                                    step.id, p.detail.empty() ? "" : " (" + p.detail + ")", step.id, step.id)}});
    }
    // not_done: left running in the state; it is started again below.
  }
  return failed;
}

bool Engine::pass_gate(const StepDef& step) {
  std::string message = "approve to continue";
  bool approved = false;
  std::string approved_by;
  StepState st;
  {
    std::lock_guard lock(mu_);
    const StepStatus& s = state_.steps[step.id];
    approved = s.approved;
    approved_by = s.approved_by;
    st = s.state;
    if (step.with.contains("message")) {
      try {
        message = expand_string(step.with["message"].get<std::string>(),
                                make_resolver(version_, opt_.vars, opt_.paths, &state_));
      } catch (const std::exception&) {
        message = step.with["message"].get<std::string>();
      }
    }
  }
  std::string by;
  if (approved) {
    by = approved_by;
  } else if (opt_.auto_approve) {
    by = "--auto-approve";
  } else if (opt_.ci && step.approve == "auto-in-ci") {
    by = "ci (approve: auto-in-ci)";
  } else if (opt_.interactive && !opt_.ci && opt_.ask_gate) {
    // Asked without the lock held: workers go on journaling meanwhile. With
    // no approver known (the caller's ask_gate says why and declines) the
    // gate waits for `relman approve --as NAME`.
    if (opt_.ask_gate(step, message) && !opt_.approver.empty()) {
      by = opt_.approver;
    } else if (opt_.poll) {
      // The question may have been withdrawn because someone approved from
      // another terminal: take that approval now rather than stop.
      opt_.poll([this](nlohmann::json ev) { record(std::move(ev)); });
      std::lock_guard lock(mu_);
      const StepStatus& s = state_.steps[step.id];
      if (s.approved) {
        approved = true;
        by = s.approved_by;
      }
    }
  }
  if (by.empty()) {
    if (st != StepState::waiting) record({{"event", "step_waiting"}, {"step", step.id}, {"message", message}});
    return false;
  }
  if (!approved) record({{"event", "step_approved"}, {"step", step.id}, {"by", by}});
  record({{"event", "step_succeeded"}, {"step", step.id}, {"outputs", {{"approved_by", by}}}});
  return true;
}

Engine::Done Engine::execute(const StepDef& step, int attempt) {
  Done done;
  done.id = step.id;
  try {
    StepLog log(opt_.paths.logs / (step.id + ".log"), &redactor_);
    log.line(fmt::format("--- {}: attempt {} of {} ({})", iso_time(now_ms()), attempt, step.id, step.uses));
    try {
      auto ctx = make_context(step, log);
      done.outputs = step.kind->run(*ctx);
      if (!done.outputs.is_object()) done.outputs = nlohmann::json::object();
      done.ok = true;
      log.line(fmt::format("--- {}: succeeded", iso_time(now_ms())));
    } catch (const UncertainError& e) {
      done.error = redactor_.apply(e.what());
      done.uncertain = true;
      log.line(fmt::format("--- {}: failed, effect uncertain: {}", iso_time(now_ms()), done.error));
    } catch (const StepError& e) {
      done.error = redactor_.apply(e.what());
      done.next = next_command(wf_, step.id, e.recovery());
      log.line(fmt::format("--- {}: failed: {}", iso_time(now_ms()), done.error));
    } catch (const std::exception& e) {
      done.error = redactor_.apply(e.what());
      log.line(fmt::format("--- {}: failed: {}", iso_time(now_ms()), done.error));
    }
  } catch (const std::exception& e) {
    // The log itself could not be written (a full disk): the step failed.
    done.ok = false;
    done.error = redactor_.apply(e.what());
  }
  return done;
}

Outcome Engine::run() {
  std::filesystem::create_directories(opt_.paths.logs);
  std::filesystem::create_directories(opt_.paths.artifacts);

  // Failed during this invocation (or by reconcile, which needs the release
  // manager to look): not run again until the next resume.
  std::set<std::string> failed_now = reconcile();

  std::mutex q_mu;
  std::condition_variable q_cv;
  std::deque<Done> finished_q;
  std::map<std::string, std::thread> running;
  bool stop = false;
  bool declined = false;

  // The next step to end. With a poll hook (approvals handed over by
  // another relman process), it also looks every poll_ms and returns
  // nothing when something was recorded, so the steps are looked at again.
  auto wait_done = [&](bool poll) -> std::optional<Done> {
    std::unique_lock lock(q_mu);
    while (finished_q.empty()) {
      if (!poll || !opt_.poll) {
        q_cv.wait(lock, [&] { return !finished_q.empty(); });
        break;
      }
      if (q_cv.wait_for(lock, std::chrono::milliseconds(opt_.poll_ms), [&] { return !finished_q.empty(); })) break;
      lock.unlock();
      bool polled = opt_.poll([this](nlohmann::json ev) { record(std::move(ev)); });
      lock.lock();
      if (polled && finished_q.empty()) return std::nullopt;
    }
    Done d = std::move(finished_q.front());
    finished_q.pop_front();
    return d;
  };

  try {
    while (true) {
      bool progressed = false;
      bool unblocked = false;  // a skip or a gate this pass: it may finish a need of a step already passed by
      if (!stop) {
        // mu_ guards state_ against the workers' checkpoints; it is let go
        // while a person is asked something.
        std::unique_lock lk(mu_);
        std::map<std::string, bool> memo;
        for (const auto& step : wf_.steps) {
          if (running.count(step.id)) continue;
          if (static_cast<int>(running.size()) >= opt_.jobs) break;
          StepStatus& s = state_.steps[step.id];
          if (s.state == StepState::succeeded || s.state == StepState::skipped) continue;
          if (s.state == StepState::failed && (failed_now.count(step.id) || s.needs_decision)) continue;
          if (!deps_done(step, memo)) continue;
          if (step.when && !step.when->eval(version_, opt_.vars)) {
            record({{"event", "step_skipped"},
                    {"step", step.id},
                    {"by", "when"},
                    {"reason", fmt::format("when `{}` is false for {} ({})", step.when->text(), version_.str(),
                                           version_.kind_name())}});
            memo.clear();  // a new skip can finish what waited on it
            progressed = unblocked = true;
            continue;
          }
          if (step.is_gate()) {
            lk.unlock();
            bool passed = pass_gate(step);
            lk.lock();
            if (passed) {
              memo.clear();
              progressed = unblocked = true;
            }
            continue;
          }
          if (opt_.paths.mode == RunMode::execute && step.kind->effect() == Effect::remote && opt_.confirm_remote) {
            nlohmann::json with;
            try {
              with = expand_templates(step.with, make_resolver(version_, opt_.vars, opt_.paths, &state_));
            } catch (const std::exception&) {
              with = step.with;
            }
            lk.unlock();
            bool go = opt_.confirm_remote(step, with);
            lk.lock();
            if (!go) {
              stop = true;
              declined = true;
              break;
            }
          }
          int attempt = s.attempts + 1;
          record({{"event", "step_started"}, {"step", step.id}, {"attempt", attempt}, {"uses", step.uses}});
          running[step.id] = std::thread([this, &step, attempt, &q_mu, &q_cv, &finished_q] {
            Done d = execute(step, attempt);
            std::lock_guard lock(q_mu);
            finished_q.push_back(std::move(d));
            q_cv.notify_one();
          });
          progressed = true;
        }
      }
      // A step earlier in the file whose last need was skipped later in this
      // pass would otherwise wait for a running step to end (a checksum step
      // for a whole build).
      if (unblocked && !stop && static_cast<int>(running.size()) < opt_.jobs) continue;
      if (running.empty()) {
        if (progressed && !stop) continue;  // skips and gates may have unblocked steps
        break;
      }
      std::optional<Done> got = wait_done(true);
      if (!got) continue;  // something was handed over: look at the steps again
      Done d = std::move(*got);
      running[d.id].join();
      running.erase(d.id);
      if (d.ok) {
        // Synced with the next step's start, or at the end of the loop.
        record({{"event", "step_succeeded"}, {"step", d.id}, {"outputs", d.outputs}}, false);
      } else {
        nlohmann::json ev = {{"event", "step_failed"}, {"step", d.id}, {"error", d.error}};
        if (d.uncertain) {
          ev["decide"] = true;
          ev["next"] = decide_commands(d.id);
        } else {
          ev["next"] = d.next.empty() ? "relman resume" : d.next;
        }
        record(std::move(ev));
        failed_now.insert(d.id);
        stop = true;  // a failed release step stops the release: no new steps start
      }
    }
    journal_.sync();
  } catch (...) {
    // The journal could not be written (a full disk, an I/O error): nothing
    // more can be recorded, so nothing more starts. Steps already running
    // end on their own; the next resume probes them. Then the error goes up.
    while (!running.empty()) {
      Done d = wait_done(false).value();
      running[d.id].join();
      running.erase(d.id);
    }
    throw;
  }

  bool any_failed = false, any_waiting = false, all_done = true;
  {
    std::lock_guard lock(mu_);
    for (const auto& step : wf_.steps) {
      const StepStatus& s = state_.steps[step.id];
      if (s.state == StepState::failed) any_failed = true;
      if (s.state == StepState::waiting) any_waiting = true;
      if (s.state != StepState::succeeded && s.state != StepState::skipped) all_done = false;
    }
  }
  if (any_failed) return Outcome::failed;
  if (declined) return Outcome::declined;
  if (any_waiting) return Outcome::waiting;
  if (all_done) {
    record({{"event", "run_finished"}, {"result", "succeeded"}});
    return Outcome::finished;
  }
  return Outcome::failed;
}

}  // namespace relman
