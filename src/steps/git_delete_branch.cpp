// git.delete_branch: removes a local branch (release-tools' temporary
// branch-VERSION once the tag is merged and pushed upstream).
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

class GitDeleteBranch : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"name", ParamType::string, true, "the local branch to delete, e.g. branch-${release.version}"}};
  }
  std::vector<std::string> outputs() const override { return {"commit"}; }

  json run(StepContext& ctx) const override {
    const std::string name = ctx.str("name");
    auto repo = steps::open_repo(ctx);
    auto head = git::head_branch(repo.get());
    if (head && *head == name)
      throw StepError(
          fmt::format("'{}' is checked out; switch to another branch (git switch BRANCH), then: "
                      "relman resume",
                      name));
    git_reference* raw = nullptr;
    if (git_branch_lookup(&raw, repo.get(), name.c_str(), GIT_BRANCH_LOCAL) != 0) {
      ctx.log->line(fmt::format("branch {} does not exist: nothing to delete", name));
      return {{"commit", ""}};
    }
    git::Reference ref(raw);
    const std::string sha = git_reference_target(raw) ? git::oid_str(*git_reference_target(raw)) : "";
    git::check(git_branch_delete(raw), "cannot delete branch " + name);
    ctx.log->line(fmt::format("deleted branch {} (was {})", name, sha));
    return {{"commit", sha}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    if (git::branch_sha(repo.get(), ctx.str("name")))
      return {ProbeResult::not_done, json::object(), "the branch still exists"};
    return {ProbeResult::done, {{"commit", ""}}, "the branch does not exist"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitDeleteBranch, "git.delete_branch");
}  // namespace relman::steps
