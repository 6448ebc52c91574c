#include "cli/status_view.h"

#include <fmt/format.h>

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
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& row : rows) {
    const auto& s = row.status;
    nlohmann::json j = {{"id", row.id},          {"uses", row.uses},
                        {"effect", row.effect},  {"state", to_string(s.state)},
                        {"attempts", s.attempts}, {"duration_ms", s.duration_ms()},
                        {"outputs", s.outputs}};
    if (!s.error.empty()) j["error"] = s.error;
    if (!s.reason.empty()) j["reason"] = s.reason;
    if (s.approved) j["approved_by"] = s.approved_by;
    if (s.reconciled) j["reconciled"] = true;
    steps.push_back(j);
  }
  return {{"version", r.state.version},
          {"mode", r.state.mode},
          {"workflow", r.state.workflow_file},
          {"state_dir", r.dir.string()},
          {"finished", r.state.finished},
          {"events", r.state.events},
          {"steps", steps}};
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

std::string one_line(std::string s, size_t max) {
  auto nl = s.find('\n');
  if (nl != std::string::npos) s = s.substr(0, nl) + " ...";
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

}  // namespace

std::string status_table(const ReadRun& r, const std::vector<StatusRow>& rows, const Terminal& term) {
  std::string out = fmt::format("{} ({}), {} mode, workflow {}\n", r.state.version,
                                r.state.run.value("kind", std::string()), r.state.mode, r.state.workflow_file);
  size_t w = 4;
  for (const auto& row : rows) w = std::max(w, row.id.size());
  out += fmt::format("{:<{}}  {:<9}  {:>8}  {:>3}  {}\n", "STEP", w, "STATE", "DURATION", "TRY", "NOTE");
  for (const auto& row : rows) {
    const auto& s = row.status;
    std::string state = to_string(s.state);
    std::string padded = fmt::format("{:<9}", state);
    std::string note;
    if (s.state == StepState::failed) note = s.error;
    else if (s.state == StepState::skipped) note = s.reason;
    else if (s.state == StepState::waiting) note = "waiting for approval";
    else if (s.approved) note = "approved by " + s.approved_by;
    else if (s.reconciled) note = "found done after an interruption";
    else if (s.state == StepState::running) note = "started, not finished (relman running or killed)";
    int64_t d = s.duration_ms();
    out += fmt::format("{:<{}}  {}  {:>8}  {:>3}  {}\n", row.id, w, term.paint(padded, colour_of(s.state)),
                       d > 0 ? format_duration(d) : "", s.attempts > 0 ? std::to_string(s.attempts) : "",
                       one_line(note, 90));
  }
  return out;
}

std::string next_action(const ReadRun& r, const std::vector<StatusRow>& rows, const std::filesystem::path& dir) {
  if (r.state.finished) return "the run finished.";
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
