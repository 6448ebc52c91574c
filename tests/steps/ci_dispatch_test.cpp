#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;

json workflows() { return {{"workflows", {{"build.yml", {{"conclusion", "success"}}}}}}; }

int dispatches(const FakeServer& s) {
  int n = 0;
  for (const auto& r : s.requests())
    if (r["method"] == "POST" && r["path"].get<std::string>().ends_with("/dispatches")) ++n;
  return n;
}

class CiDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override { test::fast_http_retries(); }
  test::TempDir dir;
  test::ScopedEnv token{"RELMAN_T_GH", "ghp_dispatch_token"};
  void setup(test::StepHarness& h, const FakeServer& s) {
    h.ctx().mode = RunMode::execute;
    h.with() = {{"api", s.url()},
                {"repo", "python/cpython"},
                {"token_env", "RELMAN_T_GH"},
                {"workflow", "build.yml"},
                {"ref", "3.12"},
                {"inputs", {{"version", "3.12.1"}, {"sign", true}}}};
  }
};

TEST_F(CiDispatchTest, DispatchesAndFindsItsRun) {
  FakeServer server(workflows());
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  setup(h, server);
  EXPECT_EQ(h.kind().effect(), Effect::remote);
  auto out = h.run();
  auto runs = server.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(out["run_id"], std::to_string(runs[0]["id"].get<long long>()));
  EXPECT_EQ(out["run_url"], runs[0]["html_url"]);
  EXPECT_EQ(runs[0]["head_branch"], "3.12");
  EXPECT_EQ(h.ctx().checkpoint["run_id"], out["run_id"]);
  EXPECT_TRUE(h.ctx().checkpoint.contains("dispatched_at"));
  for (const auto& r : server.requests()) EXPECT_EQ(r["headers"]["Authorization"], "Bearer ghp_dispatch_token");
  EXPECT_THAT(h.log(), Not(HasSubstr("ghp_dispatch_token")));
  EXPECT_EQ(dispatches(server), 1);
}

TEST_F(CiDispatchTest, AfterACrashFindsTheRunInsteadOfDispatchingAgain) {
  FakeServer server(workflows());
  test::StepHarness first("ci.dispatch", dir.path(), dir / "state");
  setup(first, server);
  auto out = first.run();
  // The crash came after the POST, before the run was found: the journal holds
  // only what was saved before the POST.
  json cp = first.ctx().checkpoint;
  cp.erase("run_id");
  cp.erase("run_url");
  test::StepHarness again("ci.dispatch", dir.path(), dir / "state2");
  setup(again, server);
  again.ctx().checkpoint = cp;
  auto probe = again.probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
  EXPECT_EQ(probe.outputs["run_id"], out["run_id"]);
  auto rerun = again.run();
  EXPECT_EQ(rerun["run_id"], out["run_id"]);
  EXPECT_EQ(dispatches(server), 1) << "a second run was started";
}

TEST_F(CiDispatchTest, ProbeWithoutCheckpointIsNotDone) {
  FakeServer server(workflows());
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  setup(h, server);
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

// A 500 to the dispatch POST is ambiguous (GitHub may have started the run
// anyway), so it is not sent again on its own: the step fails and says so.
// Run again with its checkpoint (relman resume), it looks for a run started
// since, and dispatches only if there is none.
TEST_F(CiDispatchTest, ServerErrorOnDispatchIsNotRepeatedUntilResumedAndChecked) {
  FakeServer server(workflows());
  server.configure({{"faults", {{{"method", "POST"}, {"path", "/repos/"}, {"status", 500}, {"times", 1}}}}});
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  setup(h, server);
  try {
    h.run();
    FAIL() << "a 500 on the dispatch passed";
  } catch (const UncertainError& e) {  // the engine then waits for retry or skip
    std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("HTTP 500")) << msg;
    EXPECT_THAT(msg, HasSubstr("not repeated")) << msg;
  }
  EXPECT_EQ(dispatches(server), 1);
  EXPECT_EQ(server.runs().size(), 0u);
  ASSERT_TRUE(h.ctx().checkpoint.contains("dispatched_at"));
  auto out = h.run();  // the resume: no run appeared, so it dispatches once more
  EXPECT_EQ(dispatches(server), 2);
  ASSERT_EQ(server.runs().size(), 1u);
  EXPECT_EQ(out["run_id"], std::to_string(server.runs()[0]["id"].get<long long>()));
}

TEST_F(CiDispatchTest, MissingTokenSaysWhereToPutIt) {
  FakeServer server(workflows());
  test::TempDir home;
  test::ScopedEnv creds("RELMAN_CREDENTIALS_FILE", (home / "none").string());
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  setup(h, server);
  h.with()["token_env"] = "RELMAN_T_UNSET_TOKEN";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("RELMAN_T_UNSET_TOKEN"), HasSubstr("0600"))));
  EXPECT_EQ(dispatches(server), 0);
}

TEST_F(CiDispatchTest, UnknownWorkflowIsExplained) {
  FakeServer server(workflows());
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  setup(h, server);
  h.with()["workflow"] = "nope.yml";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("HTTP 404"), HasSubstr("check `repo`"))));
}

TEST_F(CiDispatchTest, RehearsalWritesTheOutboxInsteadOfGitHub) {
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  h.ctx().mode = RunMode::rehearse;
  h.with() = {
      {"repo", "python/cpython"}, {"workflow", "build.yml"}, {"ref", "3.12"}, {"token_env", "RELMAN_T_UNSET_TOKEN"}};
  auto out = h.run();
  EXPECT_TRUE(out["run_id"].get<std::string>().starts_with("rehearsal:"));
  auto file = dir / "state" / "sandbox" / "outbox" / "step-1.json";
  ASSERT_TRUE(std::filesystem::exists(file));
  auto msg = json::parse(test::read_file(file));
  EXPECT_EQ(msg["url"], "https://api.github.com/repos/python/cpython/actions/workflows/build.yml/dispatches");
  EXPECT_EQ(msg["body"]["ref"], "3.12");
  EXPECT_THAT(h.log(), HasSubstr("rehearsal: would POST")) << h.log();
  h.run();  // again: the same message, not a second one
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "sandbox" / "outbox" / "step-2.json"));
}

TEST_F(CiDispatchTest, RehearsalAgainstLoopbackDispatchesForReal) {
  FakeServer server(workflows());
  test::StepHarness h("ci.dispatch", dir.path(), dir / "state");
  setup(h, server);
  h.ctx().mode = RunMode::rehearse;
  auto out = h.run();
  EXPECT_EQ(server.runs().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "sandbox" / "outbox"));
}

}  // namespace
}  // namespace relman
