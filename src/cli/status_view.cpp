#include "cli/status_view.h"

#include <fmt/format.h>

#include <iterator>

#include <optional>
#include "cli/handover.h"
#include "cli/run_location.h"
#include "cli/say.h"
#include "cli/width.h"
#include "core/recovery.h"

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
    if (s.state == StepState::failed) j["next"] = s.next.empty() ? "relman resume" : s.next;
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
  out["settings_changes"] = r.state.settings_changes;
  std::vector<std::string> order;
  for (const auto& row : rows) order.push_back(row.id);
  auto next = next_step(r.state, order, r.dir);
  if (!next.command.empty()) out["next"] = next.command;
  if (auto holder = lock_holder(r.dir)) out["driven_by_pid"] = holder->pid;
  return out;
}

namespace {

Colour colour_of(StepState s) {
  switch (s) {
    case StepState::succeeded:
      return Colour::green;
    case StepState::failed:
      return Colour::red;
    case StepState::waiting:
      return Colour::yellow;
    case StepState::running:
      return Colour::blue;
    case StepState::skipped:
    case StepState::pending:
      return Colour::grey;
  }
  return Colour::grey;
}

// The NOTE column: why a step is where it is.
std::string note_of(const StepStatus& s) {
  switch (s.state) {
    case StepState::failed:
      return s.error;
    case StepState::skipped:
      return s.reason;
    case StepState::waiting:
      return "waiting for approval";
    default:
      break;
  }
  if (s.approved) return "approved by " + s.approved_by;
  if (s.reconciled) return "found done after an interruption";
  if (s.state == StepState::running) return "started, not finished (relman running or killed)";
  return {};
}

}  // namespace

std::string status_table(const ReadRun& r, const std::vector<StatusRow>& rows, const Terminal& term, size_t width) {
  std::string out =
      fit(fmt::format("{} ({}), {} mode, workflow {}", r.state.version, r.state.run.value("kind", std::string()),
                      r.state.mode, std::filesystem::path(r.state.workflow_file).lexically_normal().string()),
          width) +
      "\n";
  auto to = std::back_inserter(out);
  // What needs the release manager comes first, whole: a failure's message.
  for (const auto& row : rows)
    if (row.status.state == StepState::failed) {
      fmt::format_to(to, "\n{} {}:\n", term.paint("FAILED", Colour::red), row.id);
      auto lines = wrap(row.status.error, width > 2 ? width - 2 : width);
      const size_t kMax = 12;
      for (size_t i = 0; i < lines.size() && i < kMax; ++i) fmt::format_to(to, "  {}\n", lines[i]);
      if (lines.size() > kMax)
        fmt::format_to(to, "  ... ({} more lines: relman log {})\n", lines.size() - kMax, row.id);
      out += "\n";
      break;
    }
  auto holder = lock_holder(r.dir);
  for (const auto& row : rows)
    if (row.status.state == StepState::running && !row.status.history.empty()) {
      const int64_t since = row.status.history.back().started_ms;
      out += fit(holder ? fmt::format("running: {} for {} (relman pid {})", row.id, format_duration(now_ms() - since),
                                      holder->pid)
                        : fmt::format("interrupted: {} started {} ago and no relman holds the run", row.id,
                                      format_duration(now_ms() - since)),
                 width) +
             "\n";
    }
  size_t w = 4;
  for (const auto& row : rows) w = std::max(w, row.id.size());
  w = std::min<size_t>(w, 24);
  const size_t fixed = w + 2 + 9 + 2 + 8 + 2 + 3 + 2;
  const size_t note_w = width > fixed + 12 ? width - fixed : 12;
  fmt::format_to(to, "{:<{}}  {:<9}  {:>8}  {:>3}  {}\n", "STEP", w, "STATE", "DURATION", "TRY", "NOTE");
  for (const auto& row : rows) {
    const auto& s = row.status;
    int64_t d = s.duration_ms();
    std::string note = s.state == StepState::failed ? "see above" : note_of(s);
    fmt::format_to(to, "{:<{}}  {}  {:>8}  {:>3}  {}\n", fit(row.id, w), w,
                   term.paint(fmt::format("{:<9}", to_string(s.state)), colour_of(s.state)),
                   d > 0 ? format_duration(d) : "", s.attempts > 0 ? std::to_string(s.attempts) : "",
                   fit(note, note_w));
  }
  if (!r.state.settings_changes.empty()) out += "\nsettings changed:\n";
  for (const auto& c : r.state.settings_changes)
    for (const auto& line : wrap(describe_settings_change(c), width > 2 ? width - 2 : width)) out += "  " + line + "\n";
  return out;
}

std::string describe_settings_change(const nlohmann::json& c) {
  std::string what;
  const auto from = c.value("from", nlohmann::json::object());
  const auto to = c.value("to", nlohmann::json::object());
  if (to.contains("vars"))
    for (auto it = to["vars"].begin(); it != to["vars"].end(); ++it)
      what += fmt::format("{}vars.{} {} -> {}", what.empty() ? "" : ", ", it.key(),
                          from.contains("vars") ? from["vars"].value(it.key(), std::string()) : std::string(),
                          it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  if (to.contains("sign_with"))
    what += fmt::format("{}signing key {} -> {}", what.empty() ? "" : ", ",
                        from.value("sign_with", std::string()).empty() ? std::string("(default)")
                                                                       : from.value("sign_with", std::string()),
                        to.value("sign_with", std::string()));
  std::string redo;
  for (const auto& id : c.value("redo", nlohmann::json::array()))
    if (id.is_string()) redo += (redo.empty() ? "" : ",") + id.get<std::string>();
  return fmt::format("{} by {}: {}{}", c.value("time", std::string()), c.value("by", std::string()), what,
                     redo.empty() ? "" : " (redo " + redo + ")");
}

NextStep next_step(const RunState& st, const std::vector<std::string>& order, const std::filesystem::path& dir) {
  if (st.finished) return {"", "the run finished."};
  auto each = [&](StepState state, auto&& fn) -> std::optional<NextStep> {
    for (const auto& id : order)
      if (const StepStatus* s = st.find(id); s && s->state == state) return fn(id, *s);
    return std::nullopt;
  };
  if (auto n = each(StepState::failed, [&](const std::string& id, const StepStatus& s) {
        // An uncertain effect: a plain resume would not move it.
        if (s.needs_decision)
          return NextStep{decide_commands(id, [&](const std::string& c) { return with_state_dir(c, dir); }),
                          fmt::format("check whether {}'s effect happened ({}), then", id,
                                      with_state_dir("relman log " + id, dir))};
        return NextStep{with_state_dir(s.next.empty() ? "relman resume" : s.next, dir),
                        fmt::format("fix the {} step ({}), then", id, with_state_dir("relman log " + id, dir))};
      }))
    return *n;
  if (auto n = each(StepState::waiting, [&](const std::string& id, const StepStatus&) {
        return NextStep{with_state_dir("relman approve " + id, dir), "waiting for approval"};
      }))
    return *n;
  if (auto n = each(StepState::running, [&](const std::string&, const StepStatus&) {
        return NextStep{with_state_dir("relman resume", dir), "a step is running; if relman is no longer running"};
      }))
    return *n;
  return {with_state_dir("relman resume", dir), "continue with"};
}

std::string next_action(const ReadRun& r, const std::vector<StatusRow>& rows, const std::filesystem::path& dir) {
  std::vector<std::string> order;
  for (const auto& row : rows) order.push_back(row.id);
  auto n = next_step(r.state, order, dir);
  if (n.command.empty()) return n.why;
  return fmt::format("{}: {}", n.why, n.command);
}

}  // namespace relman::cli
