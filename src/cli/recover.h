// What a killed relman leaves behind, cleared by the next process that holds
// the run's lock: temporary files in relman's temp places, and the git lock
// files (index.lock, HEAD.lock, a ref's lock) that relman's own git step
// held when it died.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/state.h"

namespace relman::cli {

// Removes this run's leftover temporary files: everything in <state>/tmp/
// (only the lock holder writes there) and, in the run's repository's
// $GIT_DIR/relman/tmp/, what processes no longer alive left. Says each
// removal through `say`.
void remove_leftover_temp_files(const std::filesystem::path& state_dir, const std::filesystem::path& repo,
                                const std::function<void(const std::string&)>& say);

// The lock files in $GIT_DIR of `repo` (index.lock, HEAD.lock, config.lock,
// packed-refs.lock, refs/**/*.lock), sorted.
std::vector<std::filesystem::path> git_lock_files(const std::filesystem::path& git_dir);

// Stale git lock files of `repo`: when the journal shows relman's own git
// step was running when the process died, and no process has a lock open
// and each was made after that step started, they are removed with a line
// in the step's log. When such a step was interrupted but a lock may belong
// to someone else, throws StepError saying how to check and remove it by
// hand, and removes none. Does nothing when no git step was interrupted.
void clear_stale_git_locks(const RunState& state, const std::filesystem::path& state_dir,
                           const std::filesystem::path& repo, const std::function<void(const std::string&)>& say);

}  // namespace relman::cli
