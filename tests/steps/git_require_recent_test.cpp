#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

TEST(GitRequireRecent, AnOldCheckoutStopsWithWhatToDo) {
  TempDir dir;
  make_repo(dir / "r", {{"a.txt", "a\n"}});
  sh_ok("GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' git commit -q --allow-empty -m old", dir / "r");
  StepHarness h("git.require_recent", dir / "r", dir / "state");
  h.ctx().mode = RunMode::execute;
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("more than 1 day(s)"), HasSubstr("git pull --ff-only"))));
  h.with()["max_age_days"] = "36500";  // as a var expands: a string
  json out = h.run();
  EXPECT_GT(out["age_seconds"].get<long long>(), 86400LL * 365);
  EXPECT_EQ(out["stale"], false);

  // A rehearsal warns, loudly, and goes on.
  StepHarness rehearsal("git.require_recent", dir / "r", dir / "state3");
  rehearsal.ctx().mode = RunMode::rehearse;
  json warned = rehearsal.run();
  EXPECT_EQ(warned["stale"], true);
  EXPECT_THAT(rehearsal.log(), HasSubstr("warning: the last commit")) << rehearsal.log();
  EXPECT_THAT(rehearsal.log(), HasSubstr("the real run stops here")) << rehearsal.log();

  sh_ok("git commit -q --allow-empty -m new", dir / "r");
  StepHarness fresh("git.require_recent", dir / "r", dir / "state2");
  EXPECT_LT(fresh.run()["age_seconds"].get<long long>(), 3600);
  fresh.with()["max_age_days"] = -1;
  EXPECT_THROW(fresh.run(), StepError);
}

}  // namespace
}  // namespace relman::test
