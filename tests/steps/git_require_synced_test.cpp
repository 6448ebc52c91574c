#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "support/upstream_clone.h"

namespace relman::test {
namespace {

TEST(GitRequireSynced, PassesWhenEqualAndSaysHowToCatchUpOtherwise) {
  UpstreamClone r;
  StepHarness h("git.require_synced", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"remote", "upstream"}, {"branch", "3.12"}};
  EXPECT_EQ(h.run()["commit"], r.git("rev-parse 3.12").substr(0, 40));

  // Behind: a backport landed upstream.
  r.backport();
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("is behind upstream/3.12"),
                                                               HasSubstr("git merge --ff-only upstream/3.12"))));
  r.git("merge -q --ff-only upstream/3.12");
  EXPECT_NO_THROW(h.run());

  // Ahead: a local commit upstream lacks.
  r.git("-c user.name=L -c user.email=l@example.org commit -q --allow-empty -m local");
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("has commits upstream/3.12")));
  // Diverged.
  r.backport();
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("have diverged")));
}

}  // namespace
}  // namespace relman::test
