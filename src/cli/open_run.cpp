#include "cli/open_run.h"

#include <fmt/format.h>

#include <cstdio>

#include "cli/handover.h"
#include "cli/vars.h"
#include "core/errors.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

// A journal without a run start (empty: the start failed before recording
// anything; or its first line torn by a crash) holds no run: every command
// says so, the same way (docs/state-format.md).
void require_started(const fs::path& dir, const Journal::Loaded& loaded, const RunState& st) {
  if (st.started) return;
  if (st.events == 0 && !loaded.torn)
    throw UsageError(fmt::format("there is no run in {}: its journal is empty (the run's start failed before "
                                 "recording anything)",
                                 dir.string()),
                     "start it with `relman rehearse VERSION` (or `relman start VERSION --execute`)");
  throw StateError(
      fmt::format("the journal in {} records no run start ({}); no step has run. Remove {} and start "
                  "the run again",
                  dir.string(),
                  loaded.torn ? "its first line was cut short, by a crash while the run started"
                              : "its first event is not the run's start",
                  dir.string()));
}

}  // namespace

std::unique_ptr<OpenRun> open_run(const fs::path& dir, bool accept_change) {
  if (!fs::exists(dir / "journal.jsonl"))
    throw UsageError(fmt::format("there is no run in {}", dir.string()),
                     "start one with `relman rehearse VERSION` (or `relman start VERSION --execute`)");
  auto run = std::make_unique<OpenRun>();
  run->dir = dir;
  run->lock = std::make_unique<RunLock>(dir);
  auto loaded = Journal::scan(dir / "journal.jsonl", [&](Event& ev) { apply_event(run->state, ev); });
  if (!loaded.warning.empty()) std::fprintf(stderr, "relman: warning: %s\n", loaded.warning.c_str());
  require_started(dir, loaded, run->state);
  run->var_overrides = recorded_vars(run->state);
  run->version = Version::parse(run->state.version);
  run->workflow = load_workflow(run->state.workflow_file, run->var_overrides);
  if (run->workflow.hash != run->state.workflow_hash) {
    if (!accept_change)
      throw ConfigError(fmt::format(
          "the workflow {} changed since this run started (recorded sha256 {}, now {}). Review the change; "
          "to continue with the new workflow, give the command --accept-workflow-change "
          "(relman resume --accept-workflow-change)",
          run->state.workflow_file, run->state.workflow_hash.substr(0, 12), run->workflow.hash.substr(0, 12)));
  }
  run->journal = std::make_unique<Journal>(dir / "journal.jsonl", loaded, &run->redactor);
  if (run->workflow.hash != run->state.workflow_hash)
    record(*run,
           {{"event", "workflow_changed"}, {"workflow_hash", run->workflow.hash}, {"plan", run->workflow.plan()}});
  OpenRun* r = run.get();
  take_handed_over(
      dir, run->workflow, [r](nlohmann::json ev) { record(*r, std::move(ev)); },
      [](const std::string& m) { std::fprintf(stderr, "relman: warning: %s\n", m.c_str()); });
  return run;
}

void record(OpenRun& run, nlohmann::json event) {
  auto ev = run.journal->append(std::move(event));
  apply_event(run.state, ev);
  run.unprinted.push_back(std::move(ev));
}

ReadRun read_run(const fs::path& dir, bool with_workflow) {
  if (!fs::exists(dir / "journal.jsonl")) throw UsageError(fmt::format("there is no run in {}", dir.string()));
  ReadRun r;
  r.dir = dir;
  auto loaded = Journal::scan(dir / "journal.jsonl", [&](Event& ev) { apply_event(r.state, ev); });
  require_started(dir, loaded, r.state);
  r.warning = loaded.warning;
  if (r.state.started && (with_workflow || r.state.plan.empty())) {
    auto overrides = recorded_vars(r.state);
    try {
      r.workflow = load_workflow(r.state.workflow_file, overrides);
    } catch (const std::exception& e) {
      if (!r.warning.empty()) r.warning += "\n";
      r.warning += fmt::format("the workflow {} no longer loads ({}); showing the journal's steps only",
                               r.state.workflow_file, e.what());
    }
  }
  return r;
}

}  // namespace relman::cli
