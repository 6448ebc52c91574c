#include "support/engine_run.h"

#include <fmt/format.h>

#include "core/redactor.h"
#include "core/retry.h"

namespace relman::test {

namespace {
std::filesystem::path journal_of(const std::filesystem::path& dir) { return dir / "journal.jsonl"; }
}  // namespace

Outcome EngineRun::invoke() {
  std::filesystem::create_directories(state_dir);
  auto file = journal_of(state_dir);
  auto loaded = Journal::read(file);
  RunState st = fold(loaded.events);
  Redactor redactor;
  Journal journal(file, loaded, &redactor);
  if (hook) journal.set_fault_hook(hook);
  auto record = [&](nlohmann::json ev) { apply_event(st, journal.append(std::move(ev))); };
  if (!st.started) {
    record({{"event", "run_started"},
            {"version", version.str()},
            {"kind", version.kind_name()},
            {"mode", "rehearse"},
            {"workflow", workflow->file.string()},
            {"workflow_hash", workflow->hash},
            {"plan", workflow->plan()},
            {"settings", {{"jobs", jobs}, {"skip", skip_at_start}}}});
    for (const auto& id : skip_at_start)
      record({{"event", "step_skipped"}, {"step", id}, {"by", "start"}, {"reason", "skipped at start"}});
  } else {
    record({{"event", "run_resumed"}});
  }
  EngineOptions o;
  o.jobs = jobs;
  o.paths.repo = state_dir;
  o.paths.state = state_dir;
  o.paths.artifacts = state_dir / "artifacts";
  o.paths.logs = state_dir / "logs";
  Engine engine(*workflow, version, journal, st, redactor, o);
  Outcome out = engine.run();
  mismatch = diff_states(st, fold(Journal::read(file).events));
  return out;
}

void EngineRun::append(nlohmann::json event) {
  auto file = journal_of(state_dir);
  auto loaded = Journal::read(file);
  Journal journal(file, loaded, nullptr);
  journal.append(std::move(event));
}

void EngineRun::retry(const std::string& id) {
  for (const auto& s : steps_to_reset(*workflow, state(), id))
    append({{"event", "step_reset"}, {"step", s}, {"by", "retry " + id}});
}

RunState EngineRun::state() const { return fold(Journal::read(journal_of(state_dir)).events); }

std::string diff_states(const RunState& a, const RunState& b) {
  std::set<std::string> ids;
  for (const auto& [id, s] : a.steps) ids.insert(id);
  for (const auto& [id, s] : b.steps) ids.insert(id);
  for (const auto& id : ids) {
    const StepStatus* x = a.find(id);
    const StepStatus* y = b.find(id);
    StepStatus none;
    if (!x) x = &none;
    if (!y) y = &none;
    if (x->state != y->state)
      return fmt::format("{}: {} in memory, {} in the journal", id, to_string(x->state), to_string(y->state));
    if (x->attempts != y->attempts) return fmt::format("{}: {} attempts vs {}", id, x->attempts, y->attempts);
    if (x->outputs != y->outputs) return fmt::format("{}: outputs {} vs {}", id, x->outputs.dump(), y->outputs.dump());
    if (x->needs_decision != y->needs_decision) return fmt::format("{}: needs_decision differs", id);
  }
  if (a.finished != b.finished) return "finished differs";
  return "";
}

}  // namespace relman::test
