// git.merge: merge a tag or branch into the current branch (PEP 101: merge
// the release branch back), with the message `git merge` writes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

// git's default message (fmt-merge-msg): "Merge tag 'v3.12.0' into 3.12",
// "Merge branch 'x'", "Merge remote-tracking branch 'origin/x' into 3.12",
// "Merge commit '<sha>'"; " into <branch>" is left out for main and master,
// and an annotated tag's message (without its signature) follows the title.
std::string default_message(git_repository* repo, const std::string& ref, const std::string& branch) {
  std::string what = "commit '" + ref + "'";
  std::string body;
  git_reference* raw = nullptr;
  if (git_reference_dwim(&raw, repo, ref.c_str()) == 0) {
    git::Reference r(raw);
    std::string full = git_reference_name(raw);
    if (full.rfind("refs/tags/", 0) == 0) {
      what = "tag '" + full.substr(10) + "'";
      git_tag* tag = nullptr;
      if (git_reference_target(raw) && git_tag_lookup(&tag, repo, git_reference_target(raw)) == 0) {
        git::Tag owned(tag);
        std::string m = git_tag_message(tag) ? git_tag_message(tag) : "";
        if (auto sig = m.find("-----BEGIN PGP SIGNATURE-----"); sig != std::string::npos) m.erase(sig);
        body = steps::prettify_message(m);
      }
    } else if (full.rfind("refs/heads/", 0) == 0) {
      what = "branch '" + full.substr(11) + "'";
    } else if (full.rfind("refs/remotes/", 0) == 0) {
      what = "remote-tracking branch '" + full.substr(13) + "'";
    }
  }
  std::string title = "Merge " + what + (branch == "main" || branch == "master" ? "" : " into " + branch) + "\n";
  return body.empty() ? title : title + "\n" + body;
}

class GitMerge : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"ref", ParamType::string, true, "the tag or branch to merge, e.g. v${release.version}"},
            {"message", ParamType::string, false, "default: git's \"Merge tag 'X' into BRANCH\""},
            {"ff", ParamType::boolean, false, "fast-forward when possible instead of a merge commit; default false"}};
  }
  std::vector<std::string> outputs() const override { return {"commit"}; }

  json run(StepContext& ctx) const override {
    std::string ref = ctx.str("ref");
    auto repo = steps::open_repo(ctx);
    auto branch = git::head_branch(repo.get());
    if (!branch) throw StepError("HEAD is detached; check out the branch to merge into, then: relman resume");
    auto index = git::repository_index(repo.get());
    int state = git_repository_state(repo.get());
    if (state == GIT_REPOSITORY_STATE_MERGE && ctx.checkpoint.contains("theirs")) {
      git::check(git_index_read(index.get(), 1), "cannot read the index");
      auto conflicts = git::conflicted_paths(index.get());
      if (!conflicts.empty())
        throw StepError(steps::conflict_message(ctx, "merge of " + ref + " still", conflicts, "git merge --abort"));
      auto theirs = git::lookup_commit(repo.get(), ctx.checkpoint["theirs"].get<std::string>());
      return {{"commit", commit_merge(ctx, repo.get(), index.get(), theirs.get(),
                                      ctx.checkpoint.value("message", default_message(repo.get(), ref, *branch)))}};
    }
    if (state != GIT_REPOSITORY_STATE_NONE)
      throw StepError(
          fmt::format("{} has an operation in progress this step did not start; finish or "
                      "abort it (git merge --abort, git cherry-pick --abort), then: relman resume",
                      ctx.repo.string()));

    git::Commit theirs;
    try {
      theirs = git::resolve_commit(repo.get(), ref);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("parameter 'ref': {}; give a tag or branch that exists", e.what()));
    }
    auto head = git::head_commit(repo.get());
    const git_oid* head_id = git_commit_id(head.get());
    const git_oid* their_id = git_commit_id(theirs.get());
    if (git::is_ancestor(repo.get(), *their_id, *head_id)) {
      ctx.log->line(fmt::format("{} is already merged into {}: nothing to do", ref, *branch));
      return {{"commit", git::oid_str(*head_id)}};
    }
    if (ctx.flag("ff", false) && git::is_ancestor(repo.get(), *head_id, *their_id)) {
      if (git::checkout_safe(repo.get(), theirs.get()))
        ctx.log->line("finished a checkout an earlier relman began: every changed file already held " + ref + "'s");
      git_reference* raw = nullptr;
      git::check(git_reference_create(&raw, repo.get(), ("refs/heads/" + *branch).c_str(), their_id, 1,
                                      ("merge " + ref + ": Fast-forward").c_str()),
                 "cannot fast-forward " + *branch);
      git::Reference moved(raw);
      ctx.log->line(fmt::format("fast-forwarded {} to {} ({})", *branch, git::oid_str(*their_id), ref));
      return {{"commit", git::oid_str(*their_id)}};
    }
    std::string message =
        ctx.has("message") ? steps::prettify_message(ctx.str("message")) : default_message(repo.get(), ref, *branch);
    ctx.save_checkpoint(
        {{"parent", git::oid_str(*head_id)}, {"theirs", git::oid_str(*their_id)}, {"message", message}});
    git_annotated_commit* raw_ac = nullptr;
    git::check(git_annotated_commit_lookup(&raw_ac, repo.get(), their_id), "cannot prepare the merge");
    git::AnnotatedCommit ac(raw_ac);
    const git_annotated_commit* heads[] = {ac.get()};
    git_merge_options mopts;
    git_merge_options_init(&mopts, GIT_MERGE_OPTIONS_VERSION);
    git_checkout_options copts;
    git_checkout_options_init(&copts, GIT_CHECKOUT_OPTIONS_VERSION);
    copts.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_ALLOW_CONFLICTS;
    if (git_merge(repo.get(), heads, 1, &mopts, &copts) < 0)
      throw StepError(fmt::format("cannot merge {}: {}. Commit or stash local changes, then: relman resume", ref,
                                  git_error_last() ? git_error_last()->message : "?"));
    steps::write_merge_msg(repo.get(), message);
    git::check(git_index_read(index.get(), 1), "cannot read the index");
    auto conflicts = git::conflicted_paths(index.get());
    if (!conflicts.empty()) {
      ctx.log->line(fmt::format("conflicts merging {}: {}", ref, fmt::join(conflicts, ", ")));
      throw StepError(steps::conflict_message(ctx, "merge of " + ref, conflicts, "git merge --abort"));
    }
    return {{"commit", commit_merge(ctx, repo.get(), index.get(), theirs.get(), message)}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    auto head = git::head_commit(repo.get());
    std::string head_sha = git::oid_str(*git_commit_id(head.get()));
    std::string theirs;
    if (ctx.checkpoint.contains("theirs")) {
      theirs = ctx.checkpoint["theirs"].get<std::string>();
      std::string parent = ctx.checkpoint["parent"].get<std::string>();
      if (git_commit_parentcount(head.get()) == 2 && git::oid_str(*git_commit_parent_id(head.get(), 0)) == parent &&
          git::oid_str(*git_commit_parent_id(head.get(), 1)) == theirs)
        return {ProbeResult::done, {{"commit", head_sha}}, "HEAD is the merge of the recorded commits"};
    } else {
      try {
        theirs = git::oid_str(*git_commit_id(git::resolve_commit(repo.get(), ctx.str("ref")).get()));
      } catch (const std::exception& e) {
        return {ProbeResult::unknown, json::object(), e.what()};
      }
    }
    git_oid t;
    git_oid_fromstr(&t, theirs.c_str());
    if (git::is_ancestor(repo.get(), t, *git_commit_id(head.get())))
      return {ProbeResult::done, {{"commit", head_sha}}, theirs + " is already merged into HEAD"};
    return {ProbeResult::not_done, json::object(), theirs + " is not merged into HEAD"};
  }

 private:
  static std::string commit_merge(StepContext& ctx, git_repository* repo, git_index* index, git_commit* theirs,
                                  const std::string& message) {
    auto head = git::head_commit(repo);
    git::Signature me;
    try {
      me = git::identity(repo);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}", e.what()));
    }
    git_oid oid = git::commit_index(repo, index, message, me.get(), me.get(), {head.get(), theirs});
    git::check(git_repository_state_cleanup(repo), "cannot clean up the merge state");
    std::string sha = git::oid_str(oid);
    ctx.log->line(fmt::format("merged {} as {}: {}", git::oid_str(*git_commit_id(theirs)), sha,
                              message.substr(0, message.find('\n'))));
    return sha;
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitMerge, "git.merge");
}  // namespace relman::steps
