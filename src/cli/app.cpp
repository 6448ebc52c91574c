#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "cli/options.h"
#include "cli/suggest.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

void error(const std::string& message, const std::string& hint = {}) {
  std::fprintf(stderr, "relman: error: %s\n", message.c_str());
  if (!hint.empty()) std::fprintf(stderr, "relman: hint: %s\n", hint.c_str());
}

struct Command {
  CLI::App* app;
  std::function<int(const Options&)> run;
};

void add_run_options(CLI::App* c, Options& o) {
  c->add_option("--repo", o.repo, "the repository to release from (default: .)");
  c->add_option("--workflow", o.workflow, "workflow file or name in workflows/ (default: pep101)");
  c->add_option("--var", o.vars, "override a workflow var: KEY=VALUE (repeatable)");
  c->add_option("--state-dir", o.state_dir,
                "where the run lives (default: $RELMAN_STATE_DIR, else $GIT_DIR/relman/VERSION, "
                "rehearsals $GIT_DIR/relman/rehearse-VERSION)");
  c->add_option("--jobs,-j", o.jobs, "steps run at once (default: cores, at most 4)")->check(CLI::Range(1, 64));
  c->add_option("--skip", o.skip, "record these steps as skipped: ID[,ID]");
  c->add_flag("--auto-approve", o.auto_approve, "approve every gate (recorded in the journal)");
  c->add_flag("--ci", o.ci, "no questions; JSON events on stdout, people's text on stderr");
  c->add_flag("--yes,-y", o.yes, "no confirmation before steps with a remote effect");
  c->add_option("--sign-with", o.sign_with, "sign with this key (fingerprint) instead of a throwaway one");
  c->add_option("--as", o.as, "who approves gates at the terminal (default: git user.name <user.email>, else $USER)");
}

// A word CLI11 did not expect: the closest command (for the first word) or
// option of the command given.
std::string typo_hint(const CLI::App& app, int argc, char** argv) {
  const CLI::App* cmd = nullptr;
  for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; }))
    if (argc > 1 && c->get_name() == argv[1]) cmd = c;
  if (cmd) {
    std::vector<std::string> options;
    for (const auto* opt : cmd->get_options())
      for (const auto& l : opt->get_lnames()) options.push_back("--" + l);
    for (int i = 2; i < argc; ++i) {
      std::string word = argv[i];
      if (word.rfind("--", 0) != 0) continue;
      word = word.substr(0, word.find('='));
      if (std::find(options.begin(), options.end(), word) != options.end()) continue;
      if (auto hint = did_you_mean(word, options); !hint.empty())
        return fmt::format("`{}` is not an option of `relman {}`; {}", word, cmd->get_name(), hint);
    }
    return fmt::format("see `relman {} --help`", cmd->get_name());
  }
  return "see `relman --help` or `relman COMMAND --help`";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"relman: a release manager's engine. Runs a release runbook (CPython's PEP 101) as a resumable,\n"
               "journaled workflow.\n\nExample:\n  relman plan 3.12.0\n  relman rehearse 3.12.0 --repo ~/cpython\n"
               "  relman status\n  relman resume",
               "relman"};
  app.set_version_flag("--version", std::string("relman ") + RELMAN_VERSION);
  app.require_subcommand(1);
  app.add_flag("-v,--verbose", o.verbose, "say more: every progress line, checkpoints")->configurable(false);
  app.add_flag("-q,--quiet", o.quiet, "say only failures, waits, results and the next command");
  std::vector<Command> cmds;
  auto add = [&](const char* name, const char* help, const char* example, std::function<int(const Options&)> fn) {
    CLI::App* c = app.add_subcommand(name, help);
    c->fallthrough();  // -v/-q after the command too
    c->footer(std::string("Example:\n  ") + example);
    cmds.push_back({c, std::move(fn)});
    return c;
  };

  auto* plan = add("plan", "Resolve the workflow for VERSION and print its steps; runs nothing",
                   "relman plan 3.12.0b1 --json", cmd_plan);
  plan->add_option("VERSION", o.version, "release version: X.Y.Z, X.Y.ZaN, X.Y.ZbN, X.Y.ZrcN")->required();
  plan->add_option("--repo", o.repo, "the repository (default: .)");
  plan->add_option("--workflow", o.workflow, "workflow file or name (default: pep101)");
  plan->add_option("--var", o.vars, "override a workflow var: KEY=VALUE");
  plan->add_option("--state-dir", o.state_dir, "state directory the run would use");
  auto run_dir_options = [&](CLI::App* c) {
    c->add_option("--state-dir", o.state_dir, "the run's directory (default: $RELMAN_STATE_DIR, else found from here)");
    c->add_option("--run", o.run, "which of the repository's runs: 3.12.0 (real) or rehearse-3.12.0");
  };
  plan->add_flag("--json", o.json, "machine-readable output");

  auto* rehearse = add("rehearse", "Run the whole release for real inside a sandbox; nothing leaves the machine",
                       "relman rehearse 3.12.0 --repo ~/cpython --auto-approve", cmd_rehearse);
  rehearse->add_option("VERSION", o.version, "release version")->required();
  add_run_options(rehearse, o);

  auto* start = add("start", "Make the real release (needs --execute)", "relman start 3.12.0 --repo ~/cpython --execute",
                    cmd_start);
  start->add_option("VERSION", o.version, "release version")->required();
  add_run_options(start, o);
  start->add_flag("--execute", o.execute, "really push, upload and announce");

  auto* resume = add("resume", "Continue a run after a failure was fixed, a gate approved, or a crash",
                     "relman resume --run rehearse-3.12.0", cmd_resume);
  run_dir_options(resume);
  resume->add_option("--jobs,-j", o.jobs, "steps run at once")->check(CLI::Range(1, 64));
  resume->add_flag("--ci", o.ci, "no questions; JSON events on stdout");
  resume->add_flag("--auto-approve", o.auto_approve, "approve every gate");
  resume->add_flag("--yes,-y", o.yes, "no confirmation before remote steps");
  resume->add_flag("--accept-workflow-change", o.accept_workflow_change, "continue although the workflow file changed");
  resume->add_option("--var", o.vars, "correct a workflow var recorded at the start: KEY=VALUE (journaled)");
  resume->add_option("--sign-with", o.sign_with, "correct the signing key recorded at the start (journaled)");
  resume->add_option("--redo", o.redo, "with --var/--sign-with: steps that finished and must be made again: ID[,ID]");
  resume->add_option("--as", o.as, "who approves gates at the terminal (default: git user.name <user.email>, else $USER)");

  auto* status = add("status", "Show each step's state, duration and attempts, and the next action",
                     "relman status --json", cmd_status);
  run_dir_options(status);
  status->add_flag("--json", o.json, "machine-readable output");

  auto* retry = add("retry", "Run a step again from scratch (and the steps after it that used its results)",
                    "relman retry build", cmd_retry);
  retry->add_option("ID", o.step, "step id")->required();
  run_dir_options(retry);
  retry->add_option("--jobs,-j", o.jobs, "steps run at once")->check(CLI::Range(1, 64));
  retry->add_flag("--ci", o.ci, "no questions; JSON events on stdout");
  retry->add_flag("--yes,-y", o.yes, "no confirmation before remote steps");
  retry->add_flag("--accept-workflow-change", o.accept_workflow_change, "continue although the workflow file changed");
  retry->add_option("--as", o.as, "who approves gates at the terminal");

  auto* skip = add("skip", "Record a step as skipped, with a reason", "relman skip check-blockers --reason \"offline\"",
                   cmd_skip);
  skip->add_option("ID", o.step, "step id")->required();
  skip->add_option("--reason", o.reason, "why (kept in the journal)")->required();
  run_dir_options(skip);
  skip->add_option("--as", o.as, "who skips it (default: git user.name <user.email>, else $USER)");

  auto* approve = add("approve", "Approve a gate (PEP 101's STOP STOP STOP)", "relman approve green-light --as ned",
                      cmd_approve);
  approve->add_option("ID", o.step, "gate step id")->required();
  run_dir_options(approve);
  approve->add_option("--as", o.as, "who approves (default: git user.name <user.email>, else $USER)");
  approve->add_option("--wait", o.wait_s,
                      "while another relman drives the run: seconds to wait for it to take the approval (default: 15)")
      ->check(CLI::Range(0, 3600));

  auto* graph = add("graph", "Draw the workflow's steps and needs", "relman graph 3.12.0 --format mermaid", cmd_graph);
  graph->add_option("VERSION", o.version, "grey out the steps this version skips");
  graph->add_option("--workflow", o.workflow, "workflow file or name (default: pep101)");
  graph->add_option("--format", o.format, "dot or mermaid (default: dot)");

  auto* log = add("log", "Print a step's log", "relman log build", cmd_log);
  log->add_option("ID", o.step, "step id")->required();
  run_dir_options(log);

  auto* report = add("report", "Write the release report (Markdown or one self-contained HTML page)",
                     "relman report --format html -o report.html", cmd_report);
  run_dir_options(report);
  report->add_option("--format", o.format, "md or html (default: md)");
  report->add_option("-o,--output", o.output, "file to write (default: stdout)");

  auto* verify = add("verify", "Check the journal and the artifacts against their checksums and signatures",
                     "relman verify", cmd_verify);
  run_dir_options(verify);

  auto* doctor = add("doctor", "Check everything a real run will need before it starts; changes nothing",
                     "relman doctor 3.12.0 --repo ~/cpython", cmd_doctor);
  doctor->add_option("VERSION", o.version, "release version")->required();
  doctor->add_option("--repo", o.repo, "the repository (default: .)");
  doctor->add_option("--workflow", o.workflow, "workflow file or name (default: pep101)");
  doctor->add_option("--var", o.vars, "override a workflow var: KEY=VALUE");
  doctor->add_option("--skip", o.skip, "steps the run will skip: ID[,ID]");
  doctor->add_option("--sign-with", o.sign_with, "the key the run will sign with");

  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; })) commands.push_back(c->get_name());
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      auto hint = did_you_mean(word, commands);
      error(fmt::format("`{}` is not a relman command", word), hint.empty() ? "see `relman --help`" : hint);
      return exit_code::usage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    error(e.what(), typo_hint(app, argc, argv));
    return exit_code::usage;
  }

  if (o.verbose && o.quiet) {
    error("-v/--verbose and -q/--quiet together", "choose one");
    return exit_code::usage;
  }
  try {
    for (const auto& c : cmds)
      if (c.app->parsed()) return c.run(o);
    error("no command given", "see `relman --help`");
    return exit_code::usage;
  } catch (const UsageError& e) {
    error(e.what(), e.hint());
    return exit_code::usage;
  } catch (const ConfigError& e) {
    error(e.problems().size() > 1 ? fmt::format("{} problems:\n{}", e.problems().size(), e.what()) : e.what());
    return exit_code::usage;
  } catch (const LockError& e) {
    error(e.what());
    return exit_code::locked;
  } catch (const StateError& e) {
    error(e.what());
    return exit_code::state;
  } catch (const StepError& e) {
    error(e.what());
    return exit_code::step_failed;
  } catch (const std::exception& e) {
    error(e.what());
    return exit_code::step_failed;
  }
}

}  // namespace relman::cli
