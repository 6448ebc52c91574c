#include "cli/settings_change.h"

#include <fmt/format.h>

#include <set>

#include "cli/identity.h"
#include "cli/say.h"
#include "cli/shared_options.h"
#include "cli/suggest.h"
#include "cli/vars.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

std::string raw_var(const Workflow& wf, const std::string& name) {
  for (const auto& [k, v] : wf.vars)
    if (k == name) return v.is_string() ? v.get<std::string>() : v.dump();
  return {};
}

bool mentions(const std::string& text, const std::set<std::string>& vars) {
  for (const auto& v : vars)
    if (text.find("${vars." + v + "}") != std::string::npos) return true;
  return false;
}

// The kinds that sign with the run's default key (--sign-with).
bool signs(const StepDef& s) {
  if (s.uses == "gpg.sign") return !s.with.contains("key");
  if (s.uses == "git.tag") return s.with.value("sign", false) && !s.with.contains("key");
  return false;
}

}  // namespace

std::vector<std::string> steps_touched(const Workflow& before, const Workflow& after, bool signing_key_changed,
                                       const RunState& state) {
  std::set<std::string> changed;
  for (const auto& [k, v] : after.vars)
    if (raw_var(before, k) != (v.is_string() ? v.get<std::string>() : v.dump())) changed.insert(k);
  // A var defined from a changed var changes with it (vars use only earlier vars).
  for (const auto& [k, v] : after.vars)
    if (mentions(v.is_string() ? v.get<std::string>() : v.dump(), changed)) changed.insert(k);
  std::vector<std::string> out;
  for (const auto& step : after.steps) {
    const StepStatus* s = state.find(step.id);
    if (!s || s->state != StepState::succeeded) continue;
    bool touched = mentions(step.with.dump(), changed) || (signing_key_changed && signs(step));
    if (step.when)
      for (const auto& v : step.when->vars()) touched = touched || changed.count(v) > 0;
    if (touched) out.push_back(step.id);
  }
  return out;
}

void change_settings(OpenRun& run, const Options& o) {
  if (o.vars.empty() && o.sign_with.empty() && o.redo.empty()) return;
  nlohmann::json settings = run.state.run.value("settings", nlohmann::json::object());
  const std::string old_key = settings.value("sign_with", std::string());
  const bool key_changed = !o.sign_with.empty() && o.sign_with != old_key;
  if (key_changed && run.state.run.contains("sandbox") && old_key.empty())
    throw UsageError(
        "this rehearsal signs with its own throwaway key, in a keyring of its own; it cannot switch to "
        "another key halfway",
        fmt::format("rehearse afresh with `relman rehearse {} --sign-with {}` (another --state-dir)", run.state.version,
                    o.sign_with));

  auto overrides = run.var_overrides;
  nlohmann::json from_vars = nlohmann::json::object(), to_vars = nlohmann::json::object();
  for (const auto& [k, v] : parse_vars(o.vars)) {
    std::string old = overrides.count(k) ? overrides[k] : raw_var(run.workflow, k);
    if (old == v) continue;
    from_vars[k] = old;
    to_vars[k] = v;
    overrides[k] = v;
  }
  // Unknown names and bad values are the loader's errors, with file:line.
  Workflow after = load_workflow(run.workflow.file, overrides);

  std::vector<std::string> redo = split_ids(o.redo);
  for (const auto& id : redo)
    if (!after.find(id)) throw unknown_step(id, step_ids(after), "--redo " + id);
  std::set<std::string> covered;
  for (const auto& id : redo) {
    covered.insert(id);
    for (const auto& d : after.dependants(id)) covered.insert(d);
  }
  std::vector<std::string> uncovered;
  for (const auto& id : steps_touched(run.workflow, after, key_changed, run.state))
    if (!covered.count(id)) uncovered.push_back(id);
  std::string change;
  for (auto it = to_vars.begin(); it != to_vars.end(); ++it)
    change += fmt::format(" --var {}={}", it.key(), it.value().get<std::string>());
  if (key_changed) change += " --sign-with " + o.sign_with;
  if (!uncovered.empty()) {
    std::string list;
    for (const auto& id : uncovered) list += (list.empty() ? "" : ",") + id;
    throw UsageError(fmt::format("{} changes the inputs of steps that already finished: {}; they would keep what "
                                 "they made with the old setting",
                                 change.empty() ? "this change" : change.substr(1), list),
                     fmt::format("to make them again with the new setting: relman resume{} --redo {}", change, list));
  }
  if (to_vars.empty() && !key_changed && redo.empty()) return;

  const std::string who =
      identity_or_refuse(o.as, run.state.run.value("repo", std::string()), run.state.mode == "execute");
  nlohmann::json from = nlohmann::json::object(), to = nlohmann::json::object();
  if (!to_vars.empty()) from["vars"] = from_vars, to["vars"] = to_vars;
  if (key_changed) from["sign_with"] = old_key, to["sign_with"] = o.sign_with;
  if (!from.empty())
    record(run, {{"event", "settings_changed"}, {"from", from}, {"to", to}, {"by", who}, {"redo", redo}});
  // The steps to redo start over, and so does everything after them that ran.
  std::set<std::string> reset;
  for (const auto& id : redo) {
    if (reset.insert(id).second) record(run, {{"event", "step_reset"}, {"step", id}, {"by", "redo " + id}});
    for (const auto& d : after.dependants(id)) {
      const StepStatus* s = run.state.find(d);
      // As `relman retry` does: what ran, or was passed over by its `when`.
      if (!s || !(s->state == StepState::succeeded || s->state == StepState::failed || s->state == StepState::waiting ||
                  (s->state == StepState::skipped && s->skipped_by == "when")))
        continue;
      if (reset.insert(d).second) record(run, {{"event", "step_reset"}, {"step", d}, {"by", "redo " + id}});
    }
  }
  run.var_overrides = overrides;
  run.workflow = std::move(after);
  if (!from.empty()) say(o, fmt::format("relman: settings changed by {}:{}", who, change));
}

}  // namespace relman::cli
