#include "cli/status_view.h"

#include <fmt/format.h>

#include <iterator>

namespace relman::cli {

namespace {

const StepStatus& status_of(const ReadRun& r, const std::string& id) {
  static const StepStatus never_started;
  const StepStatus* s = r.state.find(id);
  return s ? *s : never_started;
}

}  // namespace

std::vector<StatusRow> status_rows(const ReadRun& r) {
  std::vector<StatusRow> rows;
  if (!r.state.plan.empty()) {
    rows.reserve(r.state.plan.size());
    for (const auto& p : r.state.plan) {
      std::string id = p.value("id", "");
      const StepStatus& s = status_of(r, id);
      rows.push_back({std::move(id), p.value("uses", ""), p.value("effect", ""), s});
    }
  } else if (r.workflow) {
    for (const auto& step : r.workflow->steps)
      rows.push_back({step.id, step.uses, step.kind ? to_string(step.kind->effect()) : "", status_of(r, step.id)});
  } else {
    for (const auto& [id, s] : r.state.steps) rows.push_back({id, "", "", s});
  }
  return rows;
}

nlohmann::json status_json(const ReadRun& r, const std::vector<StatusRow>& rows) {
  // Built by assignment, not from initializer lists: on thousands of steps
  // the lists' copies were a third of the time.
  nlohmann::json steps = nlohmann::json::array();
  auto& list = steps.get_ref<nlohmann::json::array_t&>();
  list.reserve(rows.size());
  for (const auto& row : rows) {
    const auto& s = row.status;
    nlohmann::json& j = list.emplace_back(nlohmann::json::object());
    j["id"] = row.id;
    j["uses"] = row.uses;
    j["effect"] = row.effect;
    j["state"] = to_string(s.state);
    j["attempts"] = s.attempts;
    j["duration_ms"] = s.duration_ms();
    j["outputs"] = s.outputs;
    if (!s.error.empty()) j["error"] = s.error;
    if (!s.reason.empty()) j["reason"] = s.reason;
    if (s.approved) j["approved_by"] = s.approved_by;
    if (s.reconciled) j["reconciled"] = true;
  }
  nlohmann::json out = nlohmann::json::object();
  out["version"] = r.state.version;
  out["mode"] = r.state.mode;
  out["workflow"] = r.state.workflow_file;
  out["state_dir"] = r.dir.string();
  out["finished"] = r.state.finished;
  out["events"] = r.state.events;
  out["steps"] = std::move(steps);
  return out;
}

namespace {

Colour colour_of(StepState s) {
  switch (s) {
    case StepState::succeeded: return Colour::green;
    case StepState::failed: return Colour::red;
    case StepState::waiting: return Colour::yellow;
    case StepState::running: return Colour::blue;
    case StepState::skipped:
    case StepState::pending: return Colour::grey;
  }
  return Colour::grey;
}

// The NOTE column: why a step is where it is.
std::string note_of(const StepStatus& s) {
  switch (s.state) {
    case StepState::failed: return s.error;
    case StepState::skipped: return s.reason;
    case StepState::waiting: return "waiting for approval";
    default: break;
  }
  if (s.approved) return "approved by " + s.approved_by;
  if (s.reconciled) return "found done after an interruption";
  if (s.state == StepState::running) return "started, not finished (relman running or killed)";
  return {};
}

std::string one_line(const std::string& text, size_t max) {
  auto nl = text.find('\n');
  if (nl == std::string::npos && text.size() <= max) return text;
  std::string s = nl == std::string::npos ? text : text.substr(0, nl) + " ...";
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

}  // namespace

std::string status_table(const ReadRun& r, const std::vector<StatusRow>& rows, const Terminal& term) {
  std::string out = fmt::format("{} ({}), {} mode, workflow {}\n", r.state.version,
                                r.state.run.value("kind", std::string()), r.state.mode, r.state.workflow_file);
  size_t w = 4;
  for (const auto& row : rows) w = std::max(w, row.id.size());
  auto to = std::back_inserter(out);
  fmt::format_to(to, "{:<{}}  {:<9}  {:>8}  {:>3}  {}\n", "STEP", w, "STATE", "DURATION", "TRY", "NOTE");
  for (const auto& row : rows) {
    const auto& s = row.status;
    int64_t d = s.duration_ms();
    fmt::format_to(to, "{:<{}}  {}  {:>8}  {:>3}  {}\n", row.id, w,
                   term.paint(fmt::format("{:<9}", to_string(s.state)), colour_of(s.state)),
                   d > 0 ? format_duration(d) : "", s.attempts > 0 ? std::to_string(s.attempts) : "",
                   one_line(note_of(s), 90));
  }
  return out;
}

std::string next_action(const ReadRun& r, const std::vector<StatusRow>& rows, const std::filesystem::path& dir) {
  if (r.state.finished) return "the run finished.";
  for (const auto& row : rows)
    if (row.status.state == StepState::failed && row.status.needs_decision) return decide_commands(row.id, dir);
  for (const auto& row : rows)
    if (row.status.state == StepState::failed)
      return fmt::format("fix the {} step ({}), then: {}", row.id, with_state_dir("relman log " + row.id, dir),
                         with_state_dir("relman resume", dir));
  for (const auto& row : rows)
    if (row.status.state == StepState::waiting)
      return fmt::format("waiting for approval: {}", with_state_dir("relman approve " + row.id, dir));
  for (const auto& row : rows)
    if (row.status.state == StepState::running)
      return fmt::format("a step is running; if relman is no longer running: {}", with_state_dir("relman resume", dir));
  return fmt::format("continue with: {}", with_state_dir("relman resume", dir));
}

}  // namespace relman::cli
