// git.require_recent: the checkout's last commit is recent, as release-tools'
// check_cpython_repo_age asks (a release made from a checkout that was not
// pulled for days misses what landed since).
#include <fmt/format.h>

#include <chrono>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

std::string age_text(int64_t seconds) {
  if (seconds < 3600) return fmt::format("{} minutes", seconds / 60);
  if (seconds < 2 * 86400) return fmt::format("{} hours", seconds / 3600);
  return fmt::format("{} days", seconds / 86400);
}

class GitRequireRecent : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {{"max_age_days", ParamType::integer, false, "the oldest the last commit may be, in days; default 1"}};
  }
  std::vector<std::string> outputs() const override { return {"commit", "age_seconds", "stale"}; }

  json run(StepContext& ctx) const override {
    const long long days = ctx.integer("max_age_days", 1);
    if (days < 0) throw StepError(fmt::format("max_age_days is {}; give 0 or more days", days));
    auto repo = steps::open_repo(ctx);
    auto head = git::head_commit(repo.get());
    const std::string sha = git::oid_str(*git_commit_id(head.get()));
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const int64_t age = now - static_cast<int64_t>(git_commit_time(head.get()));
    ctx.log->line(fmt::format("the last commit ({}) was made {} ago", sha.substr(0, 10), age_text(age)));
    const bool stale = age > days * 86400;
    if (stale && ctx.mode == RunMode::rehearse) {
      // A rehearsal is practice, often days before, from a checkout the real
      // run pulls again: it says so loudly and goes on; the real run stops.
      const std::string warning = fmt::format(
          "warning: the last commit ({}) was made {} ago, more than {} day(s); the real run stops "
          "here unless the checkout is updated (git pull --ff-only)",
          sha.substr(0, 10), age_text(age), days);
      ctx.log->line(warning);
      if (ctx.progress) ctx.progress(warning);
      return {{"commit", sha}, {"age_seconds", age}, {"stale", true}};
    }
    if (stale)
      throw StepError(fmt::format(
          "the last commit ({}, {}) was made {} ago, more than {} day(s): the checkout looks stale. Update it "
          "(git pull --ff-only), then: relman resume. If it is meant to be this old, raise the limit (the "
          "workflow's max_age_days, e.g. --var max_repo_age_days=N in a new run) or: relman skip {}",
          sha.substr(0, 10), git::summary(head.get()), age_text(age), days, ctx.step_id));
    return {{"commit", sha}, {"age_seconds", age}, {"stale", false}};
  }

  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "a check is simply made again"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitRequireRecent, "git.require_recent");
}  // namespace relman::steps
