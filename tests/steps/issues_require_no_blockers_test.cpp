#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/errors.h"
#include "support/http_server.h"
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
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("#101 Crash in the parser"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("#102"), std::string::npos) << "a beta ignores deferred blockers: " << msg;
    EXPECT_EQ(msg.find("#103"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("#104"), std::string::npos) << msg;
  }
}

TEST_F(BlockersTest, CandidatesAlsoCheckDeferredBlockers) {
  FakeServer server(issues());
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0rc1");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}};
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("#101"), std::string::npos) << msg;
    EXPECT_NE(msg.find("#102 Deferred doc fix"), std::string::npos) << msg;
  }
}

TEST_F(BlockersTest, NoBlockersPassesWithExplicitLabels) {
  FakeServer server(issues());
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}, {"labels", {"type-crash", "OS-windows"}}};
  auto out = h.run();
  EXPECT_EQ(out["labels"], json({"type-crash", "OS-windows"}));
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0]["path"].get<std::string>().find("labels=type-crash"), std::string::npos);
  EXPECT_NE(reqs[1]["path"].get<std::string>().find("labels=OS-windows"), std::string::npos);
}

TEST_F(BlockersTest, TimeoutThenRecovery) {
  FakeServer server({{"issues", json::array()},
                     {"faults", {{{"path", "/repos/"}, {"action", "delay"}, {"seconds", 2}, {"times", 2}}}}});
  test::ScopedEnv timeout("RELMAN_HTTP_TIMEOUT_MS", "300");
  test::ScopedEnv attempts("RELMAN_HTTP_ATTEMPTS", "1");
  test::StepHarness h("issues.require_no_blockers", dir.path(), dir / "state", "3.13.0b3");
  h.with() = {{"api", server.url()}, {"repo", "python/cpython"}};
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_NE(std::string(e.what()).find("Operation timed out"), std::string::npos) << e.what();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The second delayed answer is used up by a retry inside this run.
  test::ScopedEnv more("RELMAN_HTTP_ATTEMPTS", "3");
  EXPECT_NO_THROW(h.run());
}

}  // namespace
}  // namespace relman
