// Where runs live and how a command finds one: by default in the
// repository's git directory ($GIT_DIR/relman/VERSION, as git keeps
// rebase-merge/ and sequencer/), found from any directory of the repository
// or of a rehearsal's sandbox. docs/state-format.md says why.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cli/options.h"
#include "core/step_kind.h"
#include "core/version.h"

namespace relman::cli {

// The git directory of the repository holding `dir`, as git finds it
// (searching upward). For a linked worktree it is the worktree's own
// ($GIT_DIR/worktrees/NAME), so each worktree has its own runs. Empty when
// `dir` is in no repository.
std::filesystem::path git_dir_holding(const std::filesystem::path& dir);

// "3.12.0" for a real run, "rehearse-3.12.0" for a rehearsal: the two
// coexist, so a rehearsal never stands in the way of the real run.
std::string run_name(const Version& version, RunMode mode);

// Where a new run of `version` goes: --state-dir, else $RELMAN_STATE_DIR,
// else <git dir of `repo`>/relman/<run_name>. A UsageError when `repo` is in
// no git repository and no directory was given.
std::filesystem::path new_run_dir(const Options& o, const std::filesystem::path& repo, const Version& version,
                                  RunMode mode);

// The run a command acts on: --state-dir, else $RELMAN_STATE_DIR, else the
// run whose directory holds the current directory (its sandbox workspace,
// say), else the repository's runs: --run NAME, the only one, or the only
// one not finished (said on stderr). A UsageError listing the runs
// (version, mode, where each stands) when that leaves several, or saying
// where it looked when there is none.
std::filesystem::path find_run(const Options& o);

// `command` as the user types it from here to act on the run in `dir`: with
// no option when find_run() would find `dir` by itself, else with --run NAME
// or --state-dir DIR.
std::string with_state_dir(const std::string& command, const std::filesystem::path& dir);

}  // namespace relman::cli
