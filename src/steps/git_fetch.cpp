// git.fetch: brings a remote's branches into refs/remotes/<remote>/..., so a
// later step can merge what landed there while the run waited (a backport
// pushed during the green-light gate).
#include <fmt/format.h>

#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

class GitFetch : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"remote", ParamType::string, true, "the remote's name, e.g. upstream"},
            {"branches", ParamType::string_or_list, true, "branches to fetch into refs/remotes/REMOTE/"}};
  }
  std::vector<std::string> outputs() const override { return {"commits"}; }

  json run(StepContext& ctx) const override {
    const std::string remote = ctx.str("remote");
    const auto branches = ctx.list("branches");
    if (branches.empty()) throw StepError("branches is empty; name the branches to fetch");
    auto repo = steps::open_repo(ctx);
    json commits = json::object();
    for (const auto& b : branches) commits[remote + "/" + b] = steps::fetch_branch(ctx, repo.get(), remote, b);
    return {{"commits", commits}};
  }

  // Fetching again is harmless and gives the newest state.
  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "a fetch is simply made again"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitFetch, "git.fetch");
}  // namespace relman::steps
