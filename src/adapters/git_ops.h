// Repository operations several git steps share: HEAD, identities, writing
// the index as a commit, conflicts, ancestry, checkout. All through libgit2.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/git.h"

namespace relman::git {

// The branch HEAD points at ("main"), or nullopt when HEAD is detached.
// Throws when HEAD is unborn (a repository without commits).
std::optional<std::string> head_branch(git_repository* repo);

// The commit HEAD points at; throws when HEAD is unborn.
Commit head_commit(git_repository* repo);

Commit lookup_commit(git_repository* repo, const git_oid& oid);
Commit lookup_commit(git_repository* repo, const std::string& full_sha);

Index repository_index(git_repository* repo);

// name/email given: that identity; else user.name/user.email from the
// repository's configuration. Throws an actionable error when neither exists.
Signature identity(git_repository* repo, const std::string& name = {}, const std::string& email = {});
// `name <email>` at the current time, or at SOURCE_DATE_EPOCH when that is
// set (UTC): commits and tags made with it are reproducible, and so are the
// tarballs exported from them. A SOURCE_DATE_EPOCH that is not a number of
// seconds is an error, as the reproducible-builds convention asks.
Signature signature(const std::string& name, const std::string& email);

// Writes the index as a tree and commits it on HEAD (which advances) with
// `parents` (HEAD's commit first). Returns the new commit.
git_oid commit_index(git_repository* repo, git_index* index, const std::string& message, const git_signature* author,
                     const git_signature* committer, const std::vector<const git_commit*>& parents);

// Paths the index holds as conflicted (unmerged), sorted, once each.
std::vector<std::string> conflicted_paths(git_index* index);

// True when `ancestor` is `descendant` or one of its ancestors.
bool is_ancestor(git_repository* repo, const git_oid& ancestor, const git_oid& descendant);

// True when the commit `sha` is `tip` or one of its ancestors; false when
// `sha` is not in the repository at all.
bool contains(git_repository* repo, const std::string& tip, const std::string& sha);

// The sha the local branch `branch` points at; nullopt when there is none.
std::optional<std::string> branch_sha(git_repository* repo, const std::string& branch);

// Where a local branch pulls from: the remote's name ("origin") and the ref
// on it ("refs/heads/main").
struct Upstream {
  std::string remote;
  std::string merge;
};
// The upstream of the local branch `branch`; nullopt when it has none.
std::optional<Upstream> upstream(git_repository* repo, const std::string& branch);

// Checks out `commit`'s tree without overwriting local changes (git's safe
// mode: a conflicting local modification is an error, not lost).
//
// A checkout killed half-way leaves some files of `commit` in the work tree
// while HEAD and the index still say the old commit; a second safe checkout
// then refuses them as local changes. When every file that differs from
// HEAD already holds what `commit` has there, or the first part of it (the
// file the checkout was writing when it was killed), and every staged entry
// is HEAD's or `commit`'s, nothing can be lost: the checkout is finished by
// force, and true is returned so the caller can say so. Any other change
// is the user's, and stays an error.
bool checkout_safe(git_repository* repo, git_commit* commit);

// The first line of a commit's message.
std::string summary(git_commit* commit);

}  // namespace relman::git
