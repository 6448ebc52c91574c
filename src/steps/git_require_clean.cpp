// git.require_clean: the release is made from exactly what is committed.
#include <fmt/format.h>

#include "adapters/git_status.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

// relman's own state directory may live inside the work tree (--state-dir
// pointed there; the default is $GIT_DIR/relman/): it is not the release's
// dirt, and git.commit refuses to commit it.
std::string dirt(git_repository* repo, const StepContext& ctx) {
  std::string inside;
  std::error_code ec;
  auto rel = std::filesystem::relative(std::filesystem::weakly_canonical(ctx.state_dir, ec),
                                       std::filesystem::weakly_canonical(ctx.repo, ec), ec);
  if (!ec && !rel.empty() && rel.string().rfind("..", 0) != 0) inside = rel.begin()->string() + "/";
  std::string out;
  for (const auto& e : git::status(repo)) {
    if (!inside.empty() && e.path.rfind(inside, 0) == 0) continue;
    out += fmt::format("\n  {}: {}", e.path, e.what);
  }
  if (git_repository_state(repo) != GIT_REPOSITORY_STATE_NONE)
    out += "\n  (a merge, cherry-pick or similar operation is in progress: finish it or abort it)";
  return out;
}

class GitRequireClean : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override { return {}; }

  json run(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    std::string d = dirt(repo.get(), ctx);
    if (!d.empty())
      throw StepError(
          fmt::format("the working tree of {} is not clean:{}\n"
                      "Commit, stash (git stash -u) or remove these changes, then: relman resume",
                      ctx.repo.string(), d));
    ctx.log->line("working tree is clean");
    return json::object();
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    std::string d = dirt(repo.get(), ctx);
    if (d.empty()) return {ProbeResult::done, json::object(), "the working tree is clean"};
    return {ProbeResult::not_done, json::object(), "the working tree has changes:" + d};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitRequireClean, "git.require_clean");
}  // namespace relman::steps
