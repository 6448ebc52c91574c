// git.checkout: switch to an existing local branch (PEP 101 goes back to
// main after creating the X.Y branch at the first beta). Refuses to
// overwrite local changes.
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

std::string current_branch(git_repository* repo) {
  git_reference* raw = nullptr;
  if (git_repository_head(&raw, repo) != 0) return {};
  git::Reference head(raw);
  return git_reference_is_branch(head.get()) ? git_reference_shorthand(head.get()) : std::string();
}

class GitCheckout : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"name", ParamType::string, true, "the local branch to switch to"}};
  }
  std::vector<std::string> outputs() const override { return {"branch", "commit"}; }

  json run(StepContext& ctx) const override {
    std::string name = ctx.str("name");
    auto repo = steps::open_repo(ctx);
    git_reference* raw = nullptr;
    if (git_branch_lookup(&raw, repo.get(), name.c_str(), GIT_BRANCH_LOCAL) != 0)
      throw StepError(
          fmt::format("there is no local branch '{}' in {}; create it or fix the workflow", name, ctx.repo.string()));
    git::Reference branch(raw);
    git::Commit target = git::resolve_commit(repo.get(), "refs/heads/" + name);
    try {
      if (git::checkout_safe(repo.get(), target.get()))
        ctx.log->line("finished a checkout an earlier relman began: every changed file already held " + name + "'s");
    } catch (const std::exception& e) {
      throw StepError(
          fmt::format("cannot switch to {}: {}; commit or stash the changes, then: relman resume", name, e.what()));
    }
    git::check(git_repository_set_head(repo.get(), ("refs/heads/" + name).c_str()), "cannot switch HEAD to " + name);
    std::string sha = git::oid_str(*git_commit_id(target.get()));
    ctx.log->line(fmt::format("checked out {} at {}", name, sha));
    return {{"branch", name}, {"commit", sha}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    std::string name = ctx.str("name");
    auto repo = steps::open_repo(ctx);
    if (current_branch(repo.get()) != name) return {ProbeResult::not_done, json::object(), "HEAD is not on " + name};
    git::Commit head = git::resolve_commit(repo.get(), "HEAD");
    return {ProbeResult::done,
            {{"branch", name}, {"commit", git::oid_str(*git_commit_id(head.get()))}},
            "HEAD is on " + name};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitCheckout, "git.checkout");
}  // namespace relman::steps
