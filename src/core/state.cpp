#include "core/state.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace relman {

std::string to_string(StepState s) {
  switch (s) {
    case StepState::pending:
      return "pending";
    case StepState::running:
      return "running";
    case StepState::succeeded:
      return "succeeded";
    case StepState::failed:
      return "failed";
    case StepState::skipped:
      return "skipped";
    case StepState::waiting:
      return "waiting";
  }
  return "pending";
}

int64_t StepStatus::duration_ms() const {
  int64_t total = 0;
  for (const auto& a : history)
    if (a.ended_ms > 0) total += a.ended_ms - a.started_ms;
  return total;
}

namespace {

std::string str_field(const nlohmann::json& ev, const char* key) {
  auto it = ev.find(key);
  return it != ev.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Returns whether `e` was a run event.
bool apply_run_event(RunState& st, Event& e) {
  const std::string& name = e.name;
  if (name == "run_started") {
    if (st.started) throw StateError(fmt::format("journal event {} starts a second run", e.seq));
    st.started = true;
    st.started_ms = e.t_ms;
    nlohmann::json& ev = e.whole;
    if (!ev.is_object()) return true;
    st.version = str_field(ev, "version");
    st.mode = str_field(ev, "mode");
    st.workflow_file = str_field(ev, "workflow");
    st.workflow_hash = str_field(ev, "workflow_hash");
    if (auto plan = ev.find("plan"); plan != ev.end()) {
      if (plan->is_array()) st.plan = std::move(*plan);
      ev.erase(plan);
    }
    st.run = std::move(ev);
    // The skip list is part of the run's start record: a crash between this
    // event and the step_skipped events must not run what was skipped.
    if (auto settings = st.run.find("settings"); settings != st.run.end() && settings->is_object())
      if (auto skip = settings->find("skip"); skip != settings->end() && skip->is_array())
        for (const auto& id : *skip)
          if (id.is_string()) {
            StepStatus& s = st.steps[id.get<std::string>()];
            s.state = StepState::skipped;
            s.skipped_by = "start";
            s.reason = "skipped at start";
          }
  } else if (name == "workflow_changed") {
    if (!e.whole.is_object()) return true;
    st.workflow_hash = str_field(e.whole, "workflow_hash");
    if (auto plan = e.whole.find("plan"); plan != e.whole.end() && plan->is_array()) st.plan = std::move(*plan);
  } else if (name == "settings_changed") {
    // `resume --var K=V` / `--sign-with`: later resumes use the new values.
    if (!e.whole.is_object()) return true;
    nlohmann::json& settings = st.run["settings"];
    if (!settings.is_object()) settings = nlohmann::json::object();
    const nlohmann::json& to = e.whole.value("to", nlohmann::json::object());
    if (to.contains("vars") && to["vars"].is_object()) {
      if (!settings["vars"].is_object()) settings["vars"] = nlohmann::json::object();
      settings["vars"].update(to["vars"]);
    }
    if (to.contains("sign_with") && to["sign_with"].is_string()) settings["sign_with"] = to["sign_with"];
    st.settings_changes.push_back(std::move(e.whole));
  } else if (name == "run_finished") {
    st.finished = true;
    st.finished_ms = e.t_ms;
  } else if (name == "run_resumed") {
    st.finished = false;
  } else {
    return false;
  }
  return true;
}

}  // namespace

void apply_event(RunState& st, const nlohmann::json& ev) {
  Event e;
  e.assign(ev);
  apply_event(st, e);
}

void apply_event(RunState& st, Event& e) {
  ++st.events;
  if (apply_run_event(st, e)) return;
  if (e.step.empty()) return;  // an event this relman does not know about steps
  const std::string& name = e.name;
  const int64_t t = e.t_ms;
  StepStatus& s = st.steps[e.step];
  if (name == "step_started") {
    if (!s.history.empty() && s.history.back().ended_ms == 0) s.history.back().result = "interrupted";
    s.state = StepState::running;
    s.attempts += 1;
    s.history.push_back(Attempt{t, 0, "", ""});
    s.error.clear();
    s.needs_decision = false;
    s.next.clear();
  } else if (name == "step_checkpoint") {
    if (e.has_data && e.data.is_object()) s.checkpoint.update(e.data);
  } else if (name == "step_succeeded") {
    s.state = StepState::succeeded;
    s.outputs = e.has_outputs ? std::move(e.outputs) : nlohmann::json::object();
    s.reconciled = e.reconciled;
    if (!s.history.empty() && s.history.back().ended_ms == 0) {
      s.history.back().ended_ms = t;
      s.history.back().result = s.reconciled ? "reconciled" : "succeeded";
    }
  } else if (name == "step_failed") {
    s.state = StepState::failed;
    s.error = e.error;
    s.needs_decision = e.decide;
    s.next = e.next;
    if (!s.history.empty() && s.history.back().ended_ms == 0) {
      s.history.back().ended_ms = t;
      s.history.back().result = "failed";
      s.history.back().error = s.error;
    }
  } else if (name == "step_skipped") {
    s.state = StepState::skipped;
    s.reason = e.reason;
    s.skipped_by = e.by;
    s.needs_decision = false;
  } else if (name == "step_waiting") {
    s.state = StepState::waiting;
    if (s.waiting_since_ms == 0) s.waiting_since_ms = t;
  } else if (name == "step_approved") {
    s.approved = true;
    s.approved_by = e.by;
    s.approved_ms = t;
    if (s.state == StepState::waiting) s.state = StepState::pending;
  } else if (name == "step_reset") {
    // `relman retry`: a fresh start, as if the step had never run.
    s.state = StepState::pending;
    s.checkpoint = nlohmann::json::object();
    s.outputs = nlohmann::json::object();
    s.error.clear();
    s.next.clear();
    s.reason.clear();
    s.skipped_by.clear();
    s.reconciled = false;
    s.needs_decision = false;
    // A gate run again asks again: the old green light was for other bits.
    s.approved = false;
    s.approved_by.clear();
    s.approved_ms = 0;
    s.waiting_since_ms = 0;
  }
}

RunState fold(const std::vector<nlohmann::json>& events) {
  RunState st;
  for (const auto& ev : events) apply_event(st, ev);
  return st;
}

}  // namespace relman
