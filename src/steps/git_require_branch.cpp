// git.require_branch: HEAD is the branch the release is made from.
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

class GitRequireBranch : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {{"name", ParamType::string, true, "the branch HEAD must be on, e.g. ${release.branch}"}};
  }
  std::vector<std::string> outputs() const override { return {"branch", "commit"}; }

  json run(StepContext& ctx) const override {
    std::string want = ctx.str("name");
    auto repo = steps::open_repo(ctx);
    auto current = git::head_branch(repo.get());
    if (!current) {
      auto head = git::head_commit(repo.get());
      throw StepError(
          fmt::format("HEAD is detached (at {}), not on branch '{}'. Check the branch out: git switch {}, then: "
                      "relman resume",
                      git::oid_str(*git_commit_id(head.get())), want, want));
    }
    if (*current != want)
      throw StepError(
          fmt::format("HEAD is on branch '{}', but this release is made from '{}'. Check it out: git switch {}, "
                      "then: relman resume",
                      *current, want, want));
    auto head = git::head_commit(repo.get());
    std::string sha = git::oid_str(*git_commit_id(head.get()));
    ctx.log->line(fmt::format("on branch {} at {}", want, sha));
    return {{"branch", want}, {"commit", sha}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    try {
      return {ProbeResult::done, run(ctx), "HEAD is on the branch"};
    } catch (const StepError& e) {
      return {ProbeResult::not_done, json::object(), e.what()};
    }
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitRequireBranch, "git.require_branch");
}  // namespace relman::steps
