// What the git step kinds share beyond the adapters: opening the run's
// repository, the "(cherry picked from commit X)" convention, and the
// message a conflict stops a step with.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "adapters/git.h"
#include "core/step_kind.h"

namespace relman::steps {

// The run's repository; a StepError saying where and what to do otherwise.
git::Repository open_repo(const StepContext& ctx);

// In a rehearsal, the remote a step that writes to `name` (a remote's name,
// a path or a URL) may use: the sandbox mirror mapped to it when the run
// started, and nothing else. Refuses with a StepError when `name` has no
// mirror, or when git's configuration (insteadOf) would send it elsewhere.
git::Remote open_sandbox_remote(const StepContext& ctx, git_repository* repo, const std::string& name);

// Fetches `branch` of the remote `remote` (its sandbox mirror in a
// rehearsal) into refs/remotes/<remote>/<branch> and returns where that
// points; a StepError saying what to check otherwise.
std::string fetch_branch(StepContext& ctx, git_repository* repo, const std::string& remote, const std::string& branch);

// The line `git cherry-pick -x` adds.
std::string cherry_pick_line(const std::string& full_sha);

// `message` with the cherry-pick line appended as `git cherry-pick -x` does:
// after a blank line, unless the message ends in a trailer block.
std::string with_cherry_pick_line(const std::string& message, const std::string& full_sha);

// Full shas named by "(cherry picked from commit X)" lines in the history of
// `from`, walking at most `limit` commits back.
std::set<std::string> cherry_picked_in_history(git_repository* repo, const git_oid& from, int limit = 1000);

// For each original sha, the commit in `from`'s history that carries its
// cherry-pick line (the newest one).
std::vector<std::string> commits_carrying(git_repository* repo, const git_oid& from,
                                          const std::vector<std::string>& originals, int limit = 1000);

// "step 'x': <what> stopped on conflicts in a, b. Resolve ...": the message
// of a step that left the repository conflicted for the release manager.
std::string conflict_message(const StepContext& ctx, const std::string& what, const std::vector<std::string>& paths,
                             const std::string& abort_command);

// Writes .git/MERGE_MSG, so that a `git commit` by hand uses `message` too.
void write_merge_msg(git_repository* repo, const std::string& message);

// git's message clean-up (trailing whitespace, final newline), as `git commit -m` stores it.
std::string prettify_message(const std::string& message);

}  // namespace relman::steps
