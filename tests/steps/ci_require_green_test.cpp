#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;

json green() {
  return {
      {"status", {{"main", {{"state", "success"}, {"statuses", {{{"context", "buildbot"}, {"state", "success"}}}}}}}},
      {"check_runs",
       {{"main",
         {{{"name", "tests"}, {"status", "completed"}, {"conclusion", "success"}},
          {{"name", "lint"}, {"status", "completed"}, {"conclusion", "skipped"}}}}}}};
}

class CiRequireGreenTest : public ::testing::Test {
 protected:
  void SetUp() override { test::fast_http_retries(); }
  test::TempDir dir;
  std::unique_ptr<test::StepHarness> make(const FakeServer& s) {
    auto h = std::make_unique<test::StepHarness>("ci.require_green", dir.path(), dir / "state", "3.12.1");
    h->with() = {{"api", s.url()}, {"repo", "python/cpython"}, {"ref", "main"}, {"token_env", "RELMAN_T_GH"}};
    return h;
  }
};

TEST_F(CiRequireGreenTest, GreenPassesAndSendsTheTokenWithoutLoggingIt) {
  FakeServer server(green());
  server.configure({{"token", "ghp_s3cr3t_value"}});
  test::ScopedEnv token("RELMAN_T_GH", "ghp_s3cr3t_value");
  auto hp = make(server);
  auto& h = *hp;
  EXPECT_EQ(h.kind().effect(), Effect::none);
  auto out = h.run();
  EXPECT_EQ(out["passed"], json({"buildbot", "tests", "lint"}));
  for (const auto& r : server.requests()) EXPECT_EQ(r["headers"]["Authorization"], "Bearer ghp_s3cr3t_value");
  EXPECT_THAT(out.dump(), Not(HasSubstr("ghp_s3cr3t_value")));
  EXPECT_TRUE(test::files_containing((dir / "state").string(), "ghp_s3cr3t_value").empty());
}

TEST_F(CiRequireGreenTest, RefusedTokenErrorDoesNotShowIt) {
  FakeServer server(green());
  server.configure({{"token", "the-right-one"}});
  test::ScopedEnv token("RELMAN_T_GH", "ghp_wrong_token_value");
  auto hp = make(server);
  auto& h = *hp;
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("HTTP 401"), HasSubstr("RELMAN_T_GH"),
                                                               Not(HasSubstr("ghp_wrong_token_value")))));
  EXPECT_TRUE(test::files_containing((dir / "state").string(), "ghp_wrong_token_value").empty());
}

TEST_F(CiRequireGreenTest, ListsFailingAndPendingChecksByName) {
  json cfg = green();
  cfg["status"]["main"]["statuses"].push_back({{"context", "buildbot/AMD64 Windows"}, {"state", "failure"}});
  cfg["check_runs"]["main"].push_back({{"name", "docs"}, {"status", "in_progress"}, {"conclusion", nullptr}});
  cfg["check_runs"]["main"].push_back({{"name", "Ubuntu"}, {"status", "completed"}, {"conclusion", "timed_out"}});
  FakeServer server(cfg);
  auto hp = make(server);
  auto& h = *hp;
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(
                                    HasSubstr("buildbot/AMD64 Windows (failure)"), HasSubstr("Ubuntu (timed_out)"),
                                    HasSubstr("still running: docs (in_progress)"), Not(HasSubstr("tests")))));
}

TEST_F(CiRequireGreenTest, NoResultsAtAllIsNotGreen) {
  FakeServer server;
  auto hp = make(server);
  auto& h = *hp;
  EXPECT_THROW(h.run(), StepError);
}

TEST_F(CiRequireGreenTest, ServerErrorsAreRetriedThenRunAgainSucceeds) {
  FakeServer server(green());
  server.configure({{"faults", {{{"path", "/repos/"}, {"status", 502}, {"times", 2}}}}});
  auto hp = make(server);
  auto& h = *hp;
  EXPECT_NO_THROW(h.run());  // two 502s absorbed by retries

  server.configure({{"faults", {{{"path", "/repos/"}, {"status", 503}, {"times", -1}}}}});
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("HTTP 503 after 5 attempts")));
  server.configure({{"faults", json::array()}});
  EXPECT_NO_THROW(h.run());
}

TEST_F(CiRequireGreenTest, ConnectionRefusedSaysSo) {
  auto port = test::unused_port();
  test::StepHarness h("ci.require_green", dir.path(), dir / "state");
  h.with() = {{"api", "http://127.0.0.1:" + std::to_string(port)}, {"repo", "o/r"}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(Not(HasSubstr("step 'step'")), HasSubstr("Couldn't connect"))));
}

}  // namespace
}  // namespace relman
