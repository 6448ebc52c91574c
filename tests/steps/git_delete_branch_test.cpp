#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "support/upstream_clone.h"

namespace relman::test {
namespace {

TEST(GitDeleteBranch, DeletesOnceAndRefusesTheCheckedOutBranch) {
  UpstreamClone r;
  r.git("branch branch-3.12.0");
  const std::string at = r.git("rev-parse branch-3.12.0").substr(0, 40);
  StepHarness h("git.delete_branch", r.repo, r.dir / "state");
  h.with()["name"] = "branch-3.12.0";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  EXPECT_EQ(h.run()["commit"], at);
  EXPECT_NE(sh("git rev-parse -q --verify refs/heads/branch-3.12.0", r.repo).exit_code, 0);
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  EXPECT_NO_THROW(h.run()) << "already gone is done";

  h.with()["name"] = "3.12";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("'3.12' is checked out")));
  EXPECT_EQ(sh("git rev-parse -q --verify refs/heads/3.12", r.repo).exit_code, 0);
}

}  // namespace
}  // namespace relman::test
