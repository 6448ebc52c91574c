// git.commit: commit the release's changes (the version bump, NEWS) on HEAD.
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman {
namespace {

class GitCommit : public StepKind {
 public:
  std::string name() const override { return "git.commit"; }
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"message", ParamType::string, true, "the commit message"},
            {"paths", ParamType::string_or_list, false, "paths to add; default: every change, new files included"},
            {"author_name", ParamType::string, false, "default: user.name"},
            {"author_email", ParamType::string, false, "default: user.email"}};
  }
  std::vector<std::string> outputs() const override { return {"commit"}; }

  json run(StepContext& ctx) const override {
    std::string message = steps::prettify_message(ctx.str("message"));
    auto repo = steps::open_repo(ctx);
    auto head = git::head_commit(repo.get());
    auto index = git::repository_index(repo.get());
    auto paths = ctx.list("paths");
    if (paths.empty()) {
      char star[] = "*";
      char* all[] = {star};
      git_strarray spec{all, 1};
      git::check(git_index_add_all(index.get(), &spec, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr), "cannot stage changes");
      git::check(git_index_update_all(index.get(), &spec, nullptr, nullptr), "cannot stage deletions");
    } else {
      for (const auto& p : paths) {
        if (std::filesystem::exists(ctx.repo / p)) {
          if (git_index_add_bypath(index.get(), p.c_str()) < 0)
            throw StepError(fmt::format("step '{}': cannot add '{}': {}", ctx.step_id, p, git_error_last()->message));
        } else if (git_index_remove_bypath(index.get(), p.c_str()) < 0) {
          throw StepError(fmt::format("step '{}': '{}' does not exist; fix 'paths'", ctx.step_id, p));
        }
      }
    }
    git_oid tree;
    git::check(git_index_write_tree(&tree, index.get()), "cannot write the index as a tree");
    if (git_oid_equal(&tree, git_commit_tree_id(head.get()))) {
      // Run again after `relman retry` of an earlier step (its checkpoint
      // cleared), this step finds its own commit already at HEAD: the same
      // message, nothing new to add. That is done, not a failure.
      if (git_commit_message(head.get()) == message) {
        std::string sha = git::oid_str(*git_commit_id(head.get()));
        ctx.log->line(fmt::format("HEAD {} is already this commit (\"{}\") and nothing changed since: nothing to do",
                                  sha, message.substr(0, message.find('\n'))));
        return {{"commit", sha}};
      }
      throw StepError(fmt::format(
          "step '{}': nothing to commit: the {} match HEAD ({}). If the change was already committed, skip the "
          "step: relman skip {} --reason '...'; otherwise make the change, then: relman resume",
          ctx.step_id, paths.empty() ? "working tree and index" : "paths " + git::join(paths),
          git::oid_str(*git_commit_id(head.get())), ctx.step_id));
    }
    git::Signature committer, author;
    try {
      committer = git::identity(repo.get());
      author = git::identity(repo.get(), ctx.str("author_name", ""), ctx.str("author_email", ""));
    } catch (const std::exception& e) {
      throw StepError(fmt::format("step '{}': {}", ctx.step_id, e.what()));
    }
    std::string parent = git::oid_str(*git_commit_id(head.get()));
    ctx.save_checkpoint({{"parent", parent}});
    git_oid oid = git::commit_index(repo.get(), index.get(), message, author.get(), committer.get(), {head.get()});
    std::string sha = git::oid_str(oid);
    ctx.log->line(fmt::format("committed {} on {}: {}", sha, parent, message.substr(0, message.find('\n'))));
    return {{"commit", sha}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    if (!ctx.checkpoint.contains("parent"))
      return {ProbeResult::not_done, json::object(), "no commit was started (no checkpoint)"};
    std::string parent = ctx.checkpoint["parent"].get<std::string>();
    std::string message = steps::prettify_message(ctx.str("message"));
    auto repo = steps::open_repo(ctx);
    auto head = git::head_commit(repo.get());
    std::string head_sha = git::oid_str(*git_commit_id(head.get()));
    if (head_sha == parent) return {ProbeResult::not_done, json::object(), "HEAD is still the recorded parent"};
    bool on_parent = git_commit_parentcount(head.get()) == 1 &&
                     git::oid_str(*git_commit_parent_id(head.get(), 0)) == parent;
    if (on_parent && git_commit_message(head.get()) == message)
      return {ProbeResult::done, {{"commit", head_sha}}, "HEAD is this commit on top of the recorded parent"};
    return {ProbeResult::unknown, json::object(),
            fmt::format("HEAD ({}) is neither the recorded parent {} nor a commit with this message on top of it",
                        head_sha, parent)};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitCommit, "git.commit");
}  // namespace relman
