// exec: a real program run from an argv, and how a crash mid-step is
// reconciled (creates, idempotent, neither).
#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

class ExecStep : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(repo()); }
  fs::path repo() const { return dir_.path() / "repo"; }
  StepHarness harness() { return StepHarness("exec", repo(), dir_.path() / "state"); }
  TempDir dir_;
};

TEST_F(ExecStep, RunsInTheRepositoryAndReturnsWhatItPrinted) {
  auto h = harness();
  h.with() = {{"argv", {"sh", "-c", "pwd; echo \"$GREETING\""}}, {"env", {{"GREETING", "hello"}}}};
  json out = h.run();
  EXPECT_EQ(out["exit_code"], 0);
  EXPECT_EQ(out["output"], fs::canonical(repo()).string() + "\nhello");
  EXPECT_THAT(h.log(), ::testing::HasSubstr("hello"));
}

TEST_F(ExecStep, AFailingCommandNamesItsExitCodeAndItsLog) {
  auto h = harness();
  h.with() = {{"argv", {"sh", "-c", "echo the cause; exit 3"}}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(::testing::AllOf(::testing::HasSubstr("exit code 3"),
                                                                          ::testing::HasSubstr("the cause"))));
}

TEST_F(ExecStep, WithCreatesTheProbeLooksForThePath) {
  auto h = harness();
  h.with() = {{"argv", {"touch", "made"}}, {"creates", "made"}};
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  h.run();
  EXPECT_EQ(h.probe().result, ProbeResult::done);
}

TEST_F(ExecStep, AnIdempotentCommandIsRunAgainAfterACrash) {
  auto h = harness();
  h.with() = {{"argv", {"sh", "-c", "echo x >> runs"}}, {"idempotent", true}};
  h.run();
  // Even after it ran: a crash cannot tell how far it got, and running it
  // again is what the workflow declared safe.
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST_F(ExecStep, WithoutCreatesOrIdempotentACrashIsLeftToTheReleaseManager) {
  auto h = harness();
  h.with() = {{"argv", {"true"}}};
  auto probe = h.probe();
  EXPECT_EQ(probe.result, ProbeResult::unknown);
  EXPECT_THAT(probe.detail, ::testing::HasSubstr("idempotent: true"));
  h.with()["idempotent"] = false;
  EXPECT_EQ(h.probe().result, ProbeResult::unknown);
}

}  // namespace
}  // namespace relman::test
