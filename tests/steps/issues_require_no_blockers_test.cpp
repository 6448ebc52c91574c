#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;

json issues() {
  return {{"issues",
           {{{"number", 101}, {"title", "Crash in the parser"}, {"labels", {"release-blocker"}}, {"state", "open"}},
            {{"number", 102}, {"title", "Deferred doc fix"}, {"labels", {"deferred-blocker"}}, {"state", "open"}},
            {{"number", 103}, {"title", "Fixed already"}, {"labels", {"release-blocker"}}, {"state", "closed"}},
            {{"number", 104}, {"title", "Unrelated"}, {"labels", {"type-bug"}}, {"state", "open"}}}}};
}

class BlockersTest : public ::testing::Test {
 protected:
  void SetUp() override { test::fast_http_retries(); }
  test::TempDir dir;
};

TEST_F(BlockersTest, ListsOpenReleaseBlockersOnly) {
  FakeServer server(issues());
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0b2");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("#101 Crash in the parser"), Not(HasSubstr("#102")),
                                             Not(HasSubstr("#103")), Not(HasSubstr("#104")))));
}

TEST_F(BlockersTest, CandidatesAlsoCheckDeferredBlockers) {
  FakeServer server(issues());
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0rc1");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("#101"), HasSubstr("#102 Deferred doc fix"))));
}

TEST_F(BlockersTest, NoBlockersPassesWithExplicitLabels) {
  FakeServer server(issues());
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}, {"labels", {"type-crash", "OS-windows"}}};
  auto out = h.run();
  EXPECT_EQ(out["labels"], json({"type-crash", "OS-windows"}));
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[0]["path"].get<std::string>(), HasSubstr("labels=type-crash"));
  EXPECT_THAT(reqs[1]["path"].get<std::string>(), HasSubstr("labels=OS-windows"));
}

TEST_F(BlockersTest, TimeoutThenRecovery) {
  FakeServer server({{"issues", json::array()},
                     {"faults", {{{"path", "/repos/"}, {"action", "delay"}, {"seconds", 2}, {"times", 2}}}}});
  test::ScopedEnv timeout("RELMAN_HTTP_TIMEOUT_MS", "300");
  test::ScopedEnv attempts("RELMAN_HTTP_ATTEMPTS", "1");
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0b3");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("Operation timed out")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The second delayed answer is used up by a retry inside this run.
  test::ScopedEnv more("RELMAN_HTTP_ATTEMPTS", "3");
  EXPECT_NO_THROW(h.run());
}

}  // namespace
}  // namespace relman
