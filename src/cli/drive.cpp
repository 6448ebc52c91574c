#include "cli/drive.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cli/confirm_view.h"
#include "cli/doctor.h"
#include "cli/event_printer.h"
#include "cli/handover.h"
#include "cli/identity.h"
#include "cli/junit.h"
#include "cli/progress_eta.h"
#include "cli/recover.h"
#include "cli/run_location.h"
#include "cli/run_secrets.h"
#include "cli/sandbox.h"
#include "cli/say.h"
#include "cli/sigstore_standin.h"
#include "cli/summary.h"
#include "cli/terminal.h"
#include "core/errors.h"

namespace relman::cli {

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
  clear_stale_git_locks(run.state, run.dir, eo.paths.repo, tell);
  // Who approves a gate asked here: the rule `relman approve` follows. A
  // real run that cannot tell does not ask; the gate waits for an approval
  // by a named person.
  std::string refused;
  try {
    eo.approver = identity_or_refuse(o.as, eo.paths.repo, eo.paths.mode == RunMode::execute);
  } catch (const UsageError& e) {
    refused = fmt::format("relman: {}; {}", e.what(), e.hint());
  }
  eo.poll = [&](const std::function<void(nlohmann::json)>& rec) {
    return take_handed_over(run.dir, run.workflow, rec,
                            [&](const std::string& m) { say_result(o, "relman: warning: " + m); }) > 0;
  };
  eo.vars = resolve_vars(run.workflow, run.version, eo.paths);
  // The rehearsal's Sigstore: a stand-in served from this process for as
  // long as the engine runs, its keys and log kept in the sandbox.
  std::optional<RunningSigstoreStandin> sigstore;
  if (sandbox) {
    eo.sandbox.sigstore_real = settings.value("sigstore_real", false);
    // Only when a Sigstore step is in this release (3.13 and older sign with GPG).
    bool signs = std::any_of(run.workflow.steps.begin(), run.workflow.steps.end(), [&](const StepDef& s) {
      return s.uses.rfind("sigstore.", 0) == 0 && (!s.when || s.when->eval(run.version, eo.vars));
    });
    if (signs && eo.sandbox.sigstore_real) {
      say(o,
          "relman: --sigstore-real: Sigstore steps use the real instance and your identity; their signatures "
          "are logged publicly");
    } else if (signs) {
      sigstore.emplace(sandbox->root / "sigstore");
      eo.sandbox.sigstore_url = sigstore->url();
      eo.sandbox.sigstore_trusted_root = sigstore->trusted_root_path();
      say(o, fmt::format("relman: Sigstore in this rehearsal is a stand-in at {} with throwaway keys "
                         "(trust root {}); `relman rehearse --sigstore-real` checks your identity on the real one",
                         sigstore->url(), sigstore->trusted_root_path().string()));
    }
  }
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
    int64_t elapsed = since ? now_ms() - since : 0;
    std::string shown = since
                            ? fmt::format("[{}] {}: {}", format_duration(elapsed), step, with_time_left(line, elapsed))
                            : step + ": " + line;
    if (o.quiet) return;
    // -v: every progress line stays, as a line of its own.
    if (o.verbose) say(o, "   " + shown);
    else term.live(shown);
  };
  eo.warn = [&](const std::string& m) { say_result(o, "relman: warning: " + m); };
  eo.ask_gate = [&](const StepDef& step, const std::string& message) {
    term.clear_live();
    if (eo.approver.empty()) {
      say_result(o, refused);
      return false;
    }
    // `relman approve` from another terminal withdraws the question: the
    // engine then takes the handed-over approval and goes on.
    return term.ask(fmt::format("STOP: {} ({}). Approve and continue? [y/N] ", message, step.id),
                    [&] { return approval_requested(run.dir, step.id); });
  };
  eo.confirm_remote = [&](const StepDef& step, const nlohmann::json& with) {
    term.clear_live();
    std::string what;
    for (const auto& line : describe_remote_step(step.uses, with, eo.paths.repo, eo.paths.artifacts))
      what += "\n  " + run.redactor.apply(line);
    say_result(o,
               fmt::format("about to run {} ({}), which changes what other machines see:{}", step.id, step.uses, what));
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
    case Outcome::finished:
      return exit_code::finished;
    case Outcome::failed:
      return exit_code::step_failed;
    case Outcome::waiting:
      return exit_code::waiting;
    case Outcome::declined:
      return exit_code::waiting;
  }
  return exit_code::step_failed;
}

}  // namespace relman::cli
