// Options that several commands take, each declared once here; a command
// that words an option's help its own way passes the text.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/options.h"

namespace relman::cli {

// -v/--verbose and -q/--quiet, on relman itself (commands let them through).
void add_verbosity(CLI::App& app, Options& o);

// VERSION, the release version; required unless `optional`.
void add_version(CLI::App& c, Options& o, const char* help = "release version", bool optional = false);

void add_repo(CLI::App& c, Options& o, const char* help = "the repository (default: .)");
void add_workflow(CLI::App& c, Options& o, const char* help = "workflow file or name (default: pep101)");
void add_vars(CLI::App& c, Options& o, const char* help = "override a workflow var: KEY=VALUE");
void add_state_dir(CLI::App& c, Options& o, const char* help);
void add_skip(CLI::App& c, Options& o, const char* help);
void add_sign_with(CLI::App& c, Options& o, const char* help);
void add_as(CLI::App& c, Options& o,
            const char* help = "who approves gates at the terminal (default: git user.name <user.email>, else $USER)");

// --state-dir and --run: which existing run a command acts on.
void add_run_dir(CLI::App& c, Options& o);

// What a command that drives a run may set for this invocation.
void add_jobs(CLI::App& c, Options& o, const char* help = "steps run at once");
void add_ci(CLI::App& c, Options& o, const char* help = "no questions; JSON events on stdout");
void add_auto_approve(CLI::App& c, Options& o, const char* help = "approve every gate");
void add_yes(CLI::App& c, Options& o, const char* help = "no confirmation before remote steps");
void add_accept_workflow_change(CLI::App& c, Options& o);

// Everything a new run (rehearse, start) takes.
void add_new_run_options(CLI::App& c, Options& o);

// The step ids of ID[,ID] lists (--skip, --redo; each may be repeated).
std::vector<std::string> split_ids(const std::vector<std::string>& lists);

}  // namespace relman::cli
