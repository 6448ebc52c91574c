// git.branch: create a branch (PEP 101's maintenance branch X.Y at the
// first beta) and check it out.
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

std::optional<std::string> branch_target(git_repository* repo, const std::string& name) {
  git_reference* raw = nullptr;
  if (git_branch_lookup(&raw, repo, name.c_str(), GIT_BRANCH_LOCAL) != 0) return std::nullopt;
  git::Reference ref(raw);
  git_reference* resolved = nullptr;
  git::check(git_reference_resolve(&resolved, ref.get()), "cannot resolve branch " + name);
  git::Reference owned(resolved);
  return git::oid_str(*git_reference_target(resolved));
}

class GitBranch : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"name", ParamType::string, true, "the branch to create, e.g. ${release.major_minor}"},
            {"from", ParamType::string, false, "where it starts (a revision); default HEAD"}};
  }
  std::vector<std::string> outputs() const override { return {"branch", "commit"}; }

  json run(StepContext& ctx) const override {
    std::string name = ctx.str("name");
    std::string from = ctx.str("from", "HEAD");
    auto repo = steps::open_repo(ctx);
    git::Commit start = [&] {
      if (ctx.checkpoint.contains("commit"))
        return git::lookup_commit(repo.get(), ctx.checkpoint["commit"].get<std::string>());
      try {
        return git::resolve_commit(repo.get(), from);
      } catch (const std::exception& e) {
        throw StepError(fmt::format("parameter 'from': {}; give a branch, tag or sha that exists", e.what()));
      }
    }();
    std::string sha = git::oid_str(*git_commit_id(start.get()));
    if (auto existing = branch_target(repo.get(), name)) {
      if (*existing != sha)
        throw StepError(
            fmt::format("branch '{}' already exists at {}, not at {} ({}). If it is a leftover, delete it "
                        "(git branch -D {}) and run: relman retry {}",
                        name, *existing, sha, from, name, ctx.step_id));
      ctx.log->line(fmt::format("branch {} already exists at {}", name, sha));
    } else {
      ctx.save_checkpoint({{"commit", sha}});
      git_reference* raw = nullptr;
      git::check(git_branch_create(&raw, repo.get(), name.c_str(), start.get(), 0), "cannot create branch " + name);
      git::Reference created(raw);
      ctx.log->line(fmt::format("created branch {} at {}", name, sha));
    }
    try {
      if (git::checkout_safe(repo.get(), start.get()))
        ctx.log->line("finished a checkout an earlier relman began: every changed file already held " + name + "'s");
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}; then: relman resume", e.what()));
    }
    git::check(git_repository_set_head(repo.get(), ("refs/heads/" + name).c_str()), "cannot switch HEAD to " + name);
    ctx.log->line(fmt::format("checked out {}", name));
    return {{"branch", name}, {"commit", sha}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    std::string name = ctx.str("name");
    auto repo = steps::open_repo(ctx);
    std::string expected;
    if (ctx.checkpoint.contains("commit")) {
      expected = ctx.checkpoint["commit"].get<std::string>();
    } else {
      try {
        expected = git::oid_str(*git_commit_id(git::resolve_commit(repo.get(), ctx.str("from", "HEAD")).get()));
      } catch (const std::exception& e) {
        return {ProbeResult::unknown, json::object(), e.what()};
      }
    }
    auto existing = branch_target(repo.get(), name);
    if (!existing) return {ProbeResult::not_done, json::object(), "branch " + name + " does not exist"};
    if (*existing != expected)
      return {ProbeResult::unknown, json::object(),
              fmt::format("branch {} exists at {}, but this step creates it at {}", name, *existing, expected)};
    auto head = git::head_branch(repo.get());
    if (!head || *head != name)
      return {ProbeResult::not_done, json::object(), "branch " + name + " exists but is not checked out"};
    return {ProbeResult::done, {{"branch", name}, {"commit", expected}}, "branch exists at the expected commit"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitBranch, "git.branch");
}  // namespace relman::steps
