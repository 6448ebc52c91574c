// git.cherry_pick: bring fixes onto the release branch, as `git cherry-pick -x`
// does, one commit at a time, resumable across conflicts and crashes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

// The commits to pick, oldest first, as full shas.
std::vector<std::string> resolve_commits(const StepContext& ctx, git_repository* repo) {
  auto items = ctx.list("commits");
  if (items.empty()) throw StepError("parameter 'commits' is empty");
  std::vector<std::string> out;
  auto fail = [&](const std::string& what) {
    throw StepError(
        fmt::format("parameter 'commits': {}; give shas, refs or one range A..B that exist "
                    "(git fetch first if they come from elsewhere)",
                    what));
  };
  if (items.size() == 1 && items[0].find("..") != std::string::npos) {
    const std::string& range = items[0];
    auto dots = range.find("..");
    if (range.find("...") != std::string::npos) fail("'" + range + "': use A..B, not A...B");
    std::string a = range.substr(0, dots), b = range.substr(dots + 2);
    git::Commit ca, cb;
    try {
      ca = git::resolve_commit(repo, a);
      cb = git::resolve_commit(repo, b.empty() ? "HEAD" : b);
    } catch (const std::exception& e) {
      fail(e.what());
    }
    git_revwalk* raw = nullptr;
    git::check(git_revwalk_new(&raw, repo), "cannot walk the history");
    git::Revwalk rw(raw);
    git_revwalk_sorting(rw.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
    git::check(git_revwalk_push(rw.get(), git_commit_id(cb.get())), "revwalk");
    git::check(git_revwalk_hide(rw.get(), git_commit_id(ca.get())), "revwalk");
    git_oid oid;
    while (git_revwalk_next(&oid, rw.get()) == 0) out.push_back(git::oid_str(oid));
    if (out.empty()) fail("the range '" + range + "' holds no commits");
    return out;
  }
  for (const auto& item : items) {
    try {
      out.push_back(git::oid_str(*git_commit_id(git::resolve_commit(repo, item).get())));
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
  return out;
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array())
    for (const auto& x : j[key]) out.push_back(x.get<std::string>());
  return out;
}

class GitCherryPick : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"commits", ParamType::string_or_list, true, "shas or refs, oldest first, or one range \"A..B\""}};
  }
  std::vector<std::string> outputs() const override { return {"commits", "picked"}; }

  json run(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    auto wanted = resolve_commits(ctx, repo.get());
    auto picked = strings(ctx.checkpoint, "picked");
    auto created = strings(ctx.checkpoint, "commits");
    std::string in_progress = ctx.checkpoint.contains("in_progress") && ctx.checkpoint["in_progress"].is_string()
                                  ? ctx.checkpoint["in_progress"].get<std::string>()
                                  : "";
    auto index = git::repository_index(repo.get());
    int state = git_repository_state(repo.get());

    if (state == GIT_REPOSITORY_STATE_CHERRYPICK && !in_progress.empty()) {
      // A resume after a conflict: commit the release manager's resolution.
      git::check(git_index_read(index.get(), 1), "cannot read the index");
      auto conflicts = git::conflicted_paths(index.get());
      if (!conflicts.empty())
        throw StepError(steps::conflict_message(ctx, "cherry-pick of " + in_progress + " still", conflicts,
                                                "git cherry-pick --abort"));
      created.push_back(commit_pick(ctx, repo.get(), index.get(), in_progress));
      picked.push_back(in_progress);
      ctx.save_checkpoint({{"picked", picked}, {"commits", created}, {"in_progress", nullptr}});
    } else if (state != GIT_REPOSITORY_STATE_NONE) {
      throw StepError(
          fmt::format("{} has an operation in progress (a merge, cherry-pick or rebase this step did not start). "
                      "Finish or abort it (git cherry-pick --abort, git merge --abort), then: relman resume",
                      ctx.repo.string()));
    }

    for (const auto& sha : wanted) {
      auto head = git::head_commit(repo.get());
      auto done = steps::cherry_picked_in_history(repo.get(), *git_commit_id(head.get()));
      if (done.count(sha) || std::find(picked.begin(), picked.end(), sha) != picked.end()) {
        ctx.log->line(fmt::format("{} is already picked; skipping", sha));
        if (std::find(picked.begin(), picked.end(), sha) == picked.end()) picked.push_back(sha);
        continue;
      }
      auto commit = git::lookup_commit(repo.get(), sha);
      if (git_commit_parentcount(commit.get()) != 1)
        throw StepError(
            fmt::format("{} is a merge commit (or a root); pick the commits it merges "
                        "instead, then: relman retry {}",
                        sha, ctx.step_id));
      ctx.progress(fmt::format("cherry-pick {} {}", sha.substr(0, 10), git::summary(commit.get())));
      ctx.save_checkpoint({{"picked", picked}, {"commits", created}, {"in_progress", sha}});
      git_cherrypick_options opts;
      git_cherrypick_options_init(&opts, GIT_CHERRYPICK_OPTIONS_VERSION);
      opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_ALLOW_CONFLICTS;
      if (git_cherrypick(repo.get(), commit.get(), &opts) < 0)
        throw StepError(
            fmt::format("cannot cherry-pick {}: {}. Commit or stash local changes, then: "
                        "relman resume",
                        sha, git_error_last() ? git_error_last()->message : "?"));
      // So that a `git commit` or `git cherry-pick --continue` by hand gets the -x line too.
      steps::write_merge_msg(repo.get(), steps::with_cherry_pick_line(git_commit_message(commit.get()), sha));
      git::check(git_index_read(index.get(), 1), "cannot read the index");
      auto conflicts = git::conflicted_paths(index.get());
      if (!conflicts.empty()) {
        ctx.log->line(fmt::format("conflicts picking {}: {}", sha, fmt::join(conflicts, ", ")));
        throw StepError(steps::conflict_message(ctx, "cherry-pick of " + sha, conflicts, "git cherry-pick --abort"));
      }
      created.push_back(commit_pick(ctx, repo.get(), index.get(), sha));
      picked.push_back(sha);
      ctx.save_checkpoint({{"picked", picked}, {"commits", created}, {"in_progress", nullptr}});
    }
    return {{"commits", created}, {"picked", picked}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    std::vector<std::string> wanted;
    try {
      wanted = resolve_commits(ctx, repo.get());
    } catch (const StepError& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
    auto head = git::head_commit(repo.get());
    auto done = steps::cherry_picked_in_history(repo.get(), *git_commit_id(head.get()));
    std::vector<std::string> missing;
    for (const auto& s : wanted)
      if (!done.count(s)) missing.push_back(s);
    if (!missing.empty())
      return {ProbeResult::not_done, json::object(),
              fmt::format("{} of {} commits are not picked yet: {}", missing.size(), wanted.size(),
                          fmt::join(missing, ", "))};
    auto commits = steps::commits_carrying(repo.get(), *git_commit_id(head.get()), wanted);
    return {ProbeResult::done, {{"commits", commits}, {"picked", wanted}}, "every commit is in HEAD's history"};
  }

 private:
  // Commits the index as the pick of `sha`: its author, its message and the -x line.
  static std::string commit_pick(StepContext& ctx, git_repository* repo, git_index* index, const std::string& sha) {
    auto original = git::lookup_commit(repo, sha);
    auto head = git::head_commit(repo);
    git_oid tree;
    git::check(git_index_write_tree(&tree, index), "cannot write the index as a tree");
    if (git_oid_equal(&tree, git_commit_tree_id(head.get())))
      throw StepError(
          fmt::format("picking {} changes nothing on top of HEAD (is it already applied under another sha?). "
                      "Remove it from 'commits' or skip the step; run `git cherry-pick --abort` first if git shows a "
                      "cherry-pick in progress",
                      sha));
    git::Signature committer;
    try {
      committer = git::identity(repo);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}", e.what()));
    }
    std::string message = steps::with_cherry_pick_line(git_commit_message(original.get()), sha);
    git_oid oid =
        git::commit_index(repo, index, message, git_commit_author(original.get()), committer.get(), {head.get()});
    git::check(git_repository_state_cleanup(repo), "cannot clean up the cherry-pick state");
    std::string out = git::oid_str(oid);
    ctx.log->line(fmt::format("picked {} as {}: {}", sha, out, git::summary(original.get())));
    return out;
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitCherryPick, "git.cherry_pick");
}  // namespace relman::steps
