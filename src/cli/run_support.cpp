#include "cli/run_support.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <iostream>
#include <optional>
#include <string_view>
#include <thread>

#include "adapters/credentials.h"
#include "adapters/fs.h"
#include "adapters/sha256.h"
#include "cli/confirm_view.h"
#include "cli/doctor.h"
#include "cli/handover.h"
#include "cli/identity.h"
#include "cli/junit.h"
#include "cli/recover.h"
#include "cli/sandbox.h"
#include "cli/status_view.h"
#include "cli/terminal.h"
#include "core/errors.h"

namespace relman::cli {

namespace fsys = std::filesystem;

void say(const Options& o, const std::string& line) {
  if (!o.quiet) say_result(o, line);
}

void say_result(const Options& o, const std::string& line) {
  std::FILE* out = o.ci ? stderr : stdout;
  std::fputs(line.c_str(), out);
  std::fputc('\n', out);
  std::fflush(out);
}

std::string format_duration(int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  if (ms < 3600000) return fmt::format("{}m{:02}s", ms / 60000, (ms / 1000) % 60);
  return fmt::format("{}h{:02}m", ms / 3600000, (ms / 60000) % 60);
}

std::map<std::string, std::string> parse_vars(const std::vector<std::string>& kv) {
  std::map<std::string, std::string> out;
  for (const auto& s : kv) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(fmt::format("--var '{}': expected KEY=VALUE", s));
    out[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return out;
}

namespace {

// The --var overrides the run started with.
std::map<std::string, std::string> recorded_vars(const RunState& st) {
  std::map<std::string, std::string> out;
  const nlohmann::json settings = st.run.value("settings", nlohmann::json::object());
  const nlohmann::json vars = settings.value("vars", nlohmann::json::object());
  for (auto it = vars.begin(); it != vars.end(); ++it)
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

// A journal without a run start (empty: the start failed before recording
// anything; or its first line torn by a crash) holds no run: every command
// says so, the same way (docs/state-format.md).
void require_started(const fsys::path& dir, const Journal::Loaded& loaded, const RunState& st) {
  if (st.started) return;
  if (st.events == 0 && !loaded.torn)
    throw UsageError(fmt::format("there is no run in {}: its journal is empty (the run's start failed before "
                                 "recording anything)",
                                 dir.string()),
                     "start it with `relman rehearse VERSION` (or `relman start VERSION --execute`)");
  throw StateError(fmt::format("the journal in {} records no run start ({}); no step has run. Remove {} and start "
                               "the run again",
                               dir.string(),
                               loaded.torn ? "its first line was cut short, by a crash while the run started"
                                           : "its first event is not the run's start",
                               dir.string()));
}

}  // namespace

std::unique_ptr<OpenRun> open_run(const fsys::path& dir, bool accept_change) {
  if (!fsys::exists(dir / "journal.jsonl"))
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
          "to continue with the new workflow: relman resume --accept-workflow-change",
          run->state.workflow_file, run->state.workflow_hash.substr(0, 12), run->workflow.hash.substr(0, 12)));
  }
  run->journal = std::make_unique<Journal>(dir / "journal.jsonl", loaded, &run->redactor);
  if (run->workflow.hash != run->state.workflow_hash)
    record(*run, {{"event", "workflow_changed"}, {"workflow_hash", run->workflow.hash}, {"plan", run->workflow.plan()}});
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

ReadRun read_run(const fsys::path& dir, bool with_workflow) {
  if (!fsys::exists(dir / "journal.jsonl")) throw UsageError(fmt::format("there is no run in {}", dir.string()));
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

namespace {

void print_event(const Options& o, const OpenRun& run, const nlohmann::json& ev, Terminal& term) {
  if (o.ci) {
    // One line a transition on stdout: the journal's own event, documented in docs/state-format.md.
    term.clear_live();
    std::string line = ev.dump();
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  const std::string name = ev.value("event", "");
  const std::string id = ev.value("step", "");
  const StepStatus* s = run.state.find(id);
  std::string line;
  if (name == "step_started") {
    const StepDef* d = run.workflow.find(id);
    line = fmt::format("{} {} ({}){}", term.paint("->", Colour::blue), id, d ? d->uses : "",
                       ev.value("attempt", 1) > 1 ? fmt::format(", attempt {}", ev.value("attempt", 1)) : "");
  } else if (name == "step_succeeded") {
    const StepDef* d = run.workflow.find(id);
    if (d && d->uses == "gate") return;  // its step_approved line said it
    int64_t ms = s && !s->history.empty() && s->history.back().ended_ms ? s->history.back().ended_ms - s->history.back().started_ms : 0;
    line = fmt::format("{} {}{}{}", term.paint("ok", Colour::green), id, ms ? " " + format_duration(ms) : "",
                       ev.value("reconciled", false) ? " (found done after the interruption: " + ev.value("detail", std::string()) + ")" : "");
  } else if (name == "step_failed") {
    line = fmt::format("{} {}: {}", term.paint("FAILED", Colour::red), id, ev.value("error", ""));
    if (ev.value("next", "relman resume") != "relman resume") line += "\n     next: " + with_state_dir(ev.value("next", ""), run.dir);
  } else if (name == "step_skipped") {
    line = fmt::format("{} {}: {}", term.paint("skip", Colour::grey), id, ev.value("reason", ""));
  } else if (name == "step_waiting") {
    line = fmt::format("{} {}: {}\n     approve with: {}", term.paint("WAIT", Colour::yellow), id, ev.value("message", ""),
                       with_state_dir("relman approve " + id, run.dir));
  } else if (name == "step_approved") {
    line = fmt::format("{} {} approved by {}", term.paint("ok", Colour::green), id, ev.value("by", ""));
  } else if (name == "step_checkpoint" && o.verbose) {
    line = fmt::format("   {} checkpoint: {}", id, ev.value("data", nlohmann::json::object()).dump());
  } else {
    return;
  }
  term.clear_live();
  if (name == "step_failed" || name == "step_waiting") say_result(o, line);
  else say(o, line);
}

std::vector<std::string> step_order(const Workflow& wf) {
  std::vector<std::string> ids;
  for (const auto& s : wf.steps) ids.push_back(s.id);
  return ids;
}

void print_summary(const Options& o, const OpenRun& run, Outcome outcome, int64_t started_ms) {
  say(o, "");
  say(o, fmt::format("relman: {} ({}), workflow {}, {} mode", run.version.long_name(),
                     run.version.kind_name(), run.workflow.name, run.state.mode));
  int done = 0, skipped = 0;
  for (const auto& step : run.workflow.steps) {
    const StepStatus* s = run.state.find(step.id);
    if (!s) continue;
    if (s->state == StepState::succeeded) ++done;
    if (s->state == StepState::skipped) ++skipped;
  }
  say(o, fmt::format("steps: {} succeeded, {} skipped, {} in all; this invocation took {}", done, skipped,
                     run.workflow.steps.size(), format_duration(now_ms() - started_ms)));
  auto sums = read_sha256sums(run.dir / "artifacts" / "SHA256SUMS");
  if (!sums.empty()) say(o, "artifacts:");
  for (const auto& [sha, file] : sums) {
    std::error_code ec;
    auto size = fsys::file_size(run.dir / "artifacts" / file, ec);
    say(o, fmt::format("  {:<32} {:>12} bytes  sha256 {}", file, ec ? 0 : size, sha));
  }
  say(o, fmt::format("state: {}  (journal.jsonl, logs/, artifacts/)", run.dir.lexically_normal().string()));
  switch (outcome) {
    case Outcome::finished: say_result(o, "the run finished."); break;
    case Outcome::failed: {
      auto next = next_step(run.state, step_order(run.workflow), run.dir);
      say_result(o, fmt::format("next: {}: {}", next.why, next.command));
      break;
    }
    case Outcome::waiting: {
      for (const auto& step : run.workflow.steps)
        if (const StepStatus* s = run.state.find(step.id); s && s->state == StepState::waiting)
          say_result(o, fmt::format("waiting for approval: {}, then: {}", with_state_dir("relman approve " + step.id, run.dir),
                             with_state_dir("relman resume", run.dir)));
      break;
    }
    case Outcome::declined:
      if (!o.ci && !(::isatty(0) && ::isatty(1)))
        say_result(o, fmt::format("stopped before a remote step: there is no terminal to confirm it on. To go ahead "
                           "without being asked: {}",
                           with_state_dir("relman resume --yes", run.dir)));
      else
        say_result(o, fmt::format("stopped before a remote step; continue with: {}", with_state_dir("relman resume", run.dir)));
      break;
  }
}

// Where a secret would show through masking: inside a text the journal
// keeps unmasked (journal_structural_fields) or a key it writes. A secret
// that is part of the workflow file is no secret anyway.
std::optional<std::string> unmaskable_place(const OpenRun& run, const std::string& secret) {
  static const char* words[] = {"run_started",   "run_resumed",    "run_finished",  "workflow_changed", "step_started",
                                "step_succeeded", "step_failed",   "step_skipped",  "step_waiting",     "step_approved",
                                "step_reset",     "step_checkpoint", "workflow_hash", "outputs",        "reconciled",
                                "rehearse",       "execute",         "settings",      "attempt"};
  for (const char* w : words)
    if (std::string_view(w).find(secret) != std::string_view::npos) return fmt::format("the word '{}'", w);
  if (run.version.str().find(secret) != std::string::npos) return "the release's version";
  std::string text;
  try {
    text = fs::read_file(run.workflow.file);
  } catch (const std::exception&) {
  }
  if (text.find(secret) != std::string::npos) return "the workflow " + run.workflow.file.string();
  return std::nullopt;
}

// Every credential a step of this workflow may read is masked from the
// first event on, not only from the moment a step reads it: a step that
// runs earlier (an exec printing its environment) or a resumed run must not
// leak it either.
void register_secrets(OpenRun& run) {
  std::set<std::string> names = {"GITHUB_TOKEN", "RELMAN_GPG_PASSPHRASE"};
  for (const auto& step : run.workflow.steps)
    for (const char* key : {"token_env", "passphrase_env"})
      if (step.with.contains(key) && step.with[key].is_string()) names.insert(step.with[key].get<std::string>());
  for (const auto& name : names) {
    std::optional<std::string> value;
    try {
      value = credentials::lookup(name);
    } catch (const std::exception&) {
      // A credentials file with a bad mode: the step that needs it says so.
    }
    if (!value) continue;
    try {
      run.redactor.add(*value, name);
    } catch (const UnmaskableSecret& e) {
      throw ConfigError(e.what());
    }
    if (auto where = unmaskable_place(run, *value))
      throw ConfigError(fmt::format("the secret in {} also appears in {}, which relman writes unmasked (the journal "
                                    "keeps the workflow's ids and its own words as they are); use another secret",
                                    name, *where));
  }
}

}  // namespace

int drive(OpenRun& run, const Options& o) {
  const auto& settings = run.state.run.value("settings", nlohmann::json::object());
  Terminal term(o.ci ? stderr : stdout);
  EngineOptions eo;
  int jobs = o.jobs > 0 ? o.jobs : settings.value("jobs", 0);
  if (jobs <= 0) jobs = static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  eo.jobs = jobs;
  eo.auto_approve = o.auto_approve || settings.value("auto_approve", false);
  eo.ci = o.ci;
  eo.interactive = !o.ci && ::isatty(0) && ::isatty(1);
  eo.assume_yes = o.yes;
  eo.paths.repo = run.state.run.value("repo", std::string("."));
  eo.paths.state = run.dir;
  eo.paths.artifacts = run.dir / "artifacts";
  eo.paths.logs = run.dir / "logs";
  eo.paths.mode = run.state.mode == "execute" ? RunMode::execute : RunMode::rehearse;
  std::optional<SandboxInfo> sandbox;
  if (run.state.run.contains("sandbox")) {
    sandbox = SandboxInfo::from_json(run.state.run["sandbox"]);
    enter_sandbox(*sandbox);
    eo.sandbox = step_sandbox(*sandbox);
    // A rehearsal started with --sign-with may be corrected by resume --sign-with.
    if (!settings.value("sign_with", std::string()).empty())
      eo.sandbox.signing_key = settings.value("sign_with", std::string());
  } else {
    eo.sandbox.signing_key = settings.value("sign_with", std::string());
  }
  // What a killed relman left behind goes before any step runs.
  auto tell = [&](const std::string& line) { say(o, line); };
  remove_leftover_temp_files(run.dir, eo.paths.repo, tell);
  clear_stale_index_lock(run.state, run.dir, eo.paths.repo, tell);
  if (auto who = identity(o.as, eo.paths.repo)) eo.approver = *who;
  eo.poll = [&](const std::function<void(nlohmann::json)>& rec) {
    return take_handed_over(run.dir, run.workflow, rec, [&](const std::string& m) { say_result(o, "relman: warning: " + m); }) > 0;
  };
  eo.vars = resolve_vars(run.workflow, run.version, eo.paths);
  // When each running step started, for the elapsed time on its progress line.
  std::mutex started_mu;
  std::map<std::string, int64_t> started_at;
  eo.on_event = [&](const nlohmann::json& ev) {
    if (ev.value("event", "") == "step_started") {
      std::lock_guard lock(started_mu);
      started_at[ev.value("step", "")] = now_ms();
    }
    print_event(o, run, ev, term);
  };
  eo.on_progress = [&](const std::string& step, const std::string& line) {
    int64_t since = 0;
    {
      std::lock_guard lock(started_mu);
      if (auto it = started_at.find(step); it != started_at.end()) since = it->second;
    }
    std::string shown =
        since ? fmt::format("[{}] {}: {}", format_duration(now_ms() - since), step, line) : step + ": " + line;
    if (o.quiet) return;
    // -v: every progress line stays, as a line of its own.
    if (o.verbose) say(o, "   " + shown);
    else term.live(shown);
  };
  eo.warn = [&](const std::string& m) { say_result(o, "relman: warning: " + m); };
  eo.ask_gate = [&](const StepDef& step, const std::string& message) {
    term.clear_live();
    return term.ask(fmt::format("STOP: {} ({}). Approve and continue? [y/N] ", message, step.id));
  };
  eo.confirm_remote = [&](const StepDef& step, const nlohmann::json& with) {
    term.clear_live();
    std::string what;
    for (const auto& line : describe_remote_step(step.uses, with, eo.paths.repo, eo.paths.artifacts))
      what += "\n  " + run.redactor.apply(line);
    say_result(o, fmt::format("about to run {} ({}), which changes what other machines see:{}", step.id, step.uses, what));
    if (o.yes || !eo.interactive) return o.yes || o.ci;
    return term.ask("Go ahead? [y/N] ");
  };
  register_secrets(run);
  int64_t t0 = now_ms();
  for (const auto& ev : run.unprinted) print_event(o, run, ev, term);
  run.unprinted.clear();
  Engine engine(run.workflow, run.version, *run.journal, run.state, run.redactor, eo);
  Outcome outcome = engine.run();
  write_junit_report(run, o);
  term.clear_live();
  print_summary(o, run, outcome, t0);
  if (sandbox) {
    say(o, "a real run would have changed:");
    for (const auto& line : sandbox_changes(*sandbox)) say(o, line);
    if (run.state.run.contains("preflight")) {
      auto checks = checks_from_json(run.state.run["preflight"]);
      say(o, all_passed(checks) ? "pre-flight of the real run (your repository and keyring): all checks passed"
                                : "pre-flight of the real run (your repository and keyring): NOT READY");
      for (const auto& line : format_checks(checks, 100)) say(o, "  " + line);
    }
    leave_sandbox(*sandbox);
  }
  switch (outcome) {
    case Outcome::finished: return exit_code::finished;
    case Outcome::failed: return exit_code::step_failed;
    case Outcome::waiting: return exit_code::waiting;
    case Outcome::declined: return exit_code::waiting;
  }
  return exit_code::step_failed;
}

}  // namespace relman::cli
