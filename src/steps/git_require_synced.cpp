// git.require_synced: the local branch is exactly the remote's (fetched
// first), so the release is made from what upstream has, not from a stale
// or locally patched checkout.
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

class GitRequireSynced : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"remote", ParamType::string, true, "the remote's name, e.g. upstream"},
            {"branch", ParamType::string, true, "the branch, e.g. ${release.branch}"}};
  }
  std::vector<std::string> outputs() const override { return {"commit"}; }

  json run(StepContext& ctx) const override {
    const std::string remote = ctx.str("remote"), branch = ctx.str("branch");
    auto repo = steps::open_repo(ctx);
    const std::string theirs = steps::fetch_branch(ctx, repo.get(), remote, branch);
    auto local = git::branch_sha(repo.get(), branch);
    if (!local)
      throw StepError(
          fmt::format("there is no local branch '{}'; create it from {}/{} (git switch {}), then: "
                      "relman resume",
                      branch, remote, branch, branch));
    if (*local == theirs) {
      ctx.log->line(fmt::format("{} is {}/{} ({})", branch, remote, branch, theirs));
      return {{"commit", theirs}};
    }
    git_oid l, t;
    git_oid_fromstr(&l, local->c_str());
    git_oid_fromstr(&t, theirs.c_str());
    const std::string where = remote + "/" + branch;
    if (git::is_ancestor(repo.get(), l, t))
      throw StepError(
          fmt::format("{} ({}) is behind {} ({}): the release would miss what landed upstream. Bring "
                      "it up to date (git merge --ff-only {}), then: relman resume",
                      branch, local->substr(0, 10), where, theirs.substr(0, 10), where));
    if (git::is_ancestor(repo.get(), t, l))
      throw StepError(
          fmt::format("{} ({}) has commits {} ({}) lacks (git log {}..{}): a release is made from what "
                      "upstream has. Get them merged upstream first, or move them off this branch, "
                      "then: relman resume",
                      branch, local->substr(0, 10), where, theirs.substr(0, 10), where, branch));
    throw StepError(
        fmt::format("{} ({}) and {} ({}) have diverged (git log --oneline --left-right {}...{}): make "
                    "the local branch equal to upstream's, then: relman resume",
                    branch, local->substr(0, 10), where, theirs.substr(0, 10), branch, where));
  }

  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "a check is simply made again"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitRequireSynced, "git.require_synced");
}  // namespace relman::steps
