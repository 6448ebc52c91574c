#include "cli/shared_options.h"

namespace relman::cli {

void add_verbosity(CLI::App& app, Options& o) {
  app.add_flag("-v,--verbose", o.verbose, "say more: every progress line, checkpoints")->configurable(false);
  app.add_flag("-q,--quiet", o.quiet, "say only failures, waits, results and the next command");
}

void add_version(CLI::App& c, Options& o, const char* help, bool optional) {
  auto* opt = c.add_option("VERSION", o.version, help);
  if (!optional) opt->required();
}

void add_repo(CLI::App& c, Options& o, const char* help) { c.add_option("--repo", o.repo, help); }

void add_workflow(CLI::App& c, Options& o, const char* help) { c.add_option("--workflow", o.workflow, help); }

void add_vars(CLI::App& c, Options& o, const char* help) { c.add_option("--var", o.vars, help); }

void add_state_dir(CLI::App& c, Options& o, const char* help) { c.add_option("--state-dir", o.state_dir, help); }

void add_skip(CLI::App& c, Options& o, const char* help) { c.add_option("--skip", o.skip, help); }

void add_sign_with(CLI::App& c, Options& o, const char* help) { c.add_option("--sign-with", o.sign_with, help); }

void add_as(CLI::App& c, Options& o, const char* help) { c.add_option("--as", o.as, help); }

void add_run_dir(CLI::App& c, Options& o) {
  add_state_dir(c, o, "the run's directory (default: $RELMAN_STATE_DIR, else found from here)");
  c.add_option("--run", o.run, "which of the repository's runs: 3.12.0 (real) or rehearse-3.12.0");
}

void add_jobs(CLI::App& c, Options& o, const char* help) {
  c.add_option("--jobs,-j", o.jobs, help)->check(CLI::Range(1, 64));
}

void add_ci(CLI::App& c, Options& o, const char* help) { c.add_flag("--ci", o.ci, help); }

void add_auto_approve(CLI::App& c, Options& o, const char* help) { c.add_flag("--auto-approve", o.auto_approve, help); }

void add_yes(CLI::App& c, Options& o, const char* help) { c.add_flag("--yes,-y", o.yes, help); }

void add_accept_workflow_change(CLI::App& c, Options& o) {
  c.add_flag("--accept-workflow-change", o.accept_workflow_change, "continue although the workflow file changed");
}

void add_new_run_options(CLI::App& c, Options& o) {
  add_repo(c, o, "the repository to release from (default: .)");
  add_workflow(c, o, "workflow file or name in workflows/ (default: pep101)");
  add_vars(c, o, "override a workflow var: KEY=VALUE (repeatable)");
  add_state_dir(c, o,
                "where the run lives (default: $RELMAN_STATE_DIR, else $GIT_DIR/relman/VERSION, "
                "rehearsals $GIT_DIR/relman/rehearse-VERSION)");
  add_jobs(c, o, "steps run at once (default: cores, at most 4)");
  add_skip(c, o, "record these steps as skipped: ID[,ID]");
  add_auto_approve(c, o, "approve every gate (recorded in the journal)");
  add_ci(c, o, "no questions; JSON events on stdout, people's text on stderr");
  add_yes(c, o, "no confirmation before steps with a remote effect");
  add_sign_with(c, o, "sign with this key (fingerprint) instead of a throwaway one");
  add_as(c, o);
}

std::vector<std::string> split_ids(const std::vector<std::string>& lists) {
  std::vector<std::string> out;
  for (const auto& s : lists) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      std::string id = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!id.empty()) out.push_back(id);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace relman::cli
