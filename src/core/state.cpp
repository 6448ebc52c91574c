#include "core/state.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace relman {

std::string to_string(StepState s) {
  switch (s) {
    case StepState::pending: return "pending";
    case StepState::running: return "running";
    case StepState::succeeded: return "succeeded";
    case StepState::failed: return "failed";
    case StepState::skipped: return "skipped";
    case StepState::waiting: return "waiting";
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

}  // namespace

void apply_event(RunState& st, const nlohmann::json& ev) {
  const std::string name = ev.at("event").get<std::string>();
  const int64_t t = ev.value("t_ms", int64_t{0});
  ++st.events;
  if (name == "run_started") {
    if (st.started) throw StateError(fmt::format("journal event {} starts a second run", ev.value("seq", 0)));
    st.started = true;
    st.run = ev;
    st.version = str_field(ev, "version");
    st.mode = str_field(ev, "mode");
    st.workflow_file = str_field(ev, "workflow");
    st.workflow_hash = str_field(ev, "workflow_hash");
    if (ev.contains("plan") && ev["plan"].is_array()) st.plan = ev["plan"];
    st.started_ms = t;
    return;
  }
  if (name == "workflow_changed") {
    st.workflow_hash = str_field(ev, "workflow_hash");
    if (ev.contains("plan") && ev["plan"].is_array()) st.plan = ev["plan"];
    return;
  }
  if (name == "run_finished") {
    st.finished = true;
    st.finished_ms = t;
    return;
  }
  if (name == "run_resumed") {
    st.finished = false;
    return;
  }
  std::string id = str_field(ev, "step");
  if (id.empty()) return;  // an event this relman does not know about steps
  StepStatus& s = st.steps[id];
  if (name == "step_started") {
    if (!s.history.empty() && s.history.back().ended_ms == 0) s.history.back().result = "interrupted";
    s.state = StepState::running;
    s.attempts += 1;
    s.history.push_back(Attempt{t, 0, "", ""});
    s.error.clear();
  } else if (name == "step_checkpoint") {
    if (ev.contains("data") && ev["data"].is_object()) s.checkpoint.update(ev["data"]);
  } else if (name == "step_succeeded") {
    s.state = StepState::succeeded;
    s.outputs = ev.value("outputs", nlohmann::json::object());
    s.reconciled = ev.value("reconciled", false);
    if (!s.history.empty() && s.history.back().ended_ms == 0) {
      s.history.back().ended_ms = t;
      s.history.back().result = s.reconciled ? "reconciled" : "succeeded";
    }
  } else if (name == "step_failed") {
    s.state = StepState::failed;
    s.error = str_field(ev, "error");
    if (!s.history.empty() && s.history.back().ended_ms == 0) {
      s.history.back().ended_ms = t;
      s.history.back().result = "failed";
      s.history.back().error = s.error;
    }
  } else if (name == "step_skipped") {
    s.state = StepState::skipped;
    s.reason = str_field(ev, "reason");
    s.skipped_by = str_field(ev, "by");
  } else if (name == "step_waiting") {
    s.state = StepState::waiting;
    if (s.waiting_since_ms == 0) s.waiting_since_ms = t;
  } else if (name == "step_approved") {
    s.approved = true;
    s.approved_by = str_field(ev, "by");
    s.approved_ms = t;
    if (s.state == StepState::waiting) s.state = StepState::pending;
  } else if (name == "step_reset") {
    // `relman retry`: a fresh start, as if the step had never run.
    s.state = StepState::pending;
    s.checkpoint = nlohmann::json::object();
    s.outputs = nlohmann::json::object();
    s.error.clear();
    s.reason.clear();
    s.skipped_by.clear();
    s.reconciled = false;
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
