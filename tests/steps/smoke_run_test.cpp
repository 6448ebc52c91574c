// smoke.run against a real Minipy interpreter built with the real compiler,
// and against small shell scripts where a test needs odd behaviour.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

// The fixture compiled straight into `dir`/python (with its Lib/ beside it).
void build_minipy(const fs::path& dir) {
  sh_ok("cp -R " + quote(sample_fixture_dir().string()) + "/. " + quote(dir.string()));
  sh_ok("cc -O1 -std=c99 -D_DEFAULT_SOURCE -IInclude -o python Python/*.c", dir);
}

std::string failure_of(StepHarness& h) {
  try {
    h.run();
  } catch (const StepError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the smoke test passed";
  return "";
}

class SmokeRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    build_minipy(dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path build() { return dir_->path(); }

  static TempDir* dir_;
  TempDir state_;
};
TempDir* SmokeRun::dir_ = nullptr;

TEST_F(SmokeRun, PassingCommandsReportTheirCount) {
  StepHarness h("smoke.run", state_.path() / "repo", state_.path() / "state", "3.14.0a1");
  h.with() = {{"cwd", build().string()}};
  h.with()["commands"] = json::parse(R"([
    ["./python", "-V"],
    {"argv": ["./python", "-c", "print 1+2*3"], "match": "^7$"},
    {"argv": ["./python", "-m", "test", "test_grammar", "test_sys"], "match": "== Tests result: SUCCESS =="},
    {"argv": ["./python", "-c", "assert 1 == 2, \"no\""], "exit": 1, "match": "AssertionError: no"}
  ])");
  h.with()["commands"].push_back({"sh", "-c", "test \"$(pwd)\" = " + quote(build().string())});
  json out = h.run();
  EXPECT_EQ(out["passed"], 5);
  ASSERT_EQ(out["commands"].size(), 5u);
  EXPECT_EQ(out["commands"][0], "./python -V");
  EXPECT_THAT(h.log(), HasSubstr("Minipy 3.14.0a0")) << h.log();
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST_F(SmokeRun, AWrongExitCodeShowsTheCommandTheExpectationAndTheOutput) {
  StepHarness h("smoke.run", state_.path() / "repo", state_.path() / "state");
  write_file(build() / "boom.mp", "print \"about to fail\"\nprint 1 // 0\n");
  h.with() = {{"cwd", build().string()}};
  h.with()["commands"] = json::parse(R"([["./python", "-V"], ["./python", "boom.mp"]])");
  std::string msg = failure_of(h);
  EXPECT_THAT(msg, HasSubstr("1 of 2 smoke tests failed")) << msg;
  EXPECT_THAT(msg, HasSubstr("`./python boom.mp` (in " + build().string() + ")")) << msg;
  EXPECT_THAT(msg, HasSubstr("expected: exit code 0")) << msg;
  EXPECT_THAT(msg, HasSubstr("got:      exit code 1")) << msg;
  EXPECT_THAT(msg, HasSubstr("| about to fail")) << msg;
  EXPECT_THAT(msg, HasSubstr("ZeroDivisionError")) << msg;
  EXPECT_THAT(msg, HasSubstr("relman retry step")) << msg;
}

TEST_F(SmokeRun, AnUnmatchedPatternShowsThePatternAndWhatCameOut) {
  StepHarness h("smoke.run", state_.path() / "repo", state_.path() / "state");
  h.with() = {{"cwd", build().string()}};
  h.with()["commands"] = json::parse(R"([{"argv": ["./python", "-V"], "match": "^Minipy 3\\.12\\.0$"}])");
  std::string msg = failure_of(h);
  EXPECT_THAT(msg, HasSubstr("output matching /^Minipy 3\\.12\\.0$/")) << msg;
  EXPECT_THAT(msg, HasSubstr("the output does not match")) << msg;
  EXPECT_THAT(msg, HasSubstr("| Minipy 3.14.0a0")) << msg;
}

TEST_F(SmokeRun, AMissingProgramIsAFailureNotACrash) {
  StepHarness h("smoke.run", state_.path() / "repo", state_.path() / "state");
  h.with() = {{"cwd", build().string()}};
  h.with()["commands"] = json::parse(R"([["./nope", "-V"], ["no-such-program-anywhere"]])");
  std::string msg = failure_of(h);
  EXPECT_THAT(msg, HasSubstr("2 of 2 smoke tests failed")) << msg;
  EXPECT_THAT(msg, HasSubstr("`./nope -V`")) << msg;
  EXPECT_THAT(msg, HasSubstr("not found")) << msg;
  EXPECT_THAT(msg, HasSubstr("did the build produce it?")) << msg;

  h.with() = {{"cwd", (state_.path() / "no-build-here").string()}};
  h.with()["commands"] = json::parse(R"([["./python"]])");
  msg = failure_of(h);
  EXPECT_THAT(msg, HasSubstr("does not exist")) << msg;
}

TEST_F(SmokeRun, LongOutputIsCutToItsLastLinesAndSlowCommandsTimeOut) {
  StepHarness h("smoke.run", state_.path() / "repo", state_.path() / "state");
  h.with() = {{"cwd", build().string()}};
  h.with()["commands"] = json::parse(R"([
    ["sh", "-c", "i=1; while [ $i -le 100 ]; do echo line $i; i=$((i+1)); done; exit 4"],
    {"argv": ["sleep", "20"], "timeout": 1}
  ])");
  std::string msg = failure_of(h);
  EXPECT_THAT(msg, HasSubstr("exit code 4")) << msg;
  EXPECT_THAT(msg, HasSubstr("| line 100\n")) << msg;
  EXPECT_THAT(msg, HasSubstr("| line 61\n")) << msg;
  EXPECT_THAT(msg, Not(HasSubstr("| line 60\n"))) << msg;
  EXPECT_THAT(msg, HasSubstr("60 earlier lines")) << msg;
  EXPECT_THAT(msg, HasSubstr("no result within 1 s")) << msg;
  EXPECT_THAT(h.log(), HasSubstr("line 1\n"));  // the log keeps everything
}

TEST(SmokeRunValidate, CommandsAreCheckedAtLoadTime) {
  TempDir t;
  StepHarness h("smoke.run", t / "repo", t / "state");
  const auto& k = h.kind();
  auto all = [&](const char* commands) { return k.validate({{"commands", json::parse(commands)}}); };
  EXPECT_TRUE(all(R"([["./python", "-V"], {"argv": ["x"], "exit": 2, "match": "a+"}])").empty());
  EXPECT_TRUE(all(R"([{"argv": ["x"], "match": "${release.version}("}])").empty());  // a template: later
  auto one = [&](const json& cmd) {
    auto problems = k.validate({{"commands", json::array({cmd})}});
    return problems.empty() ? std::string() : problems[0];
  };
  EXPECT_THAT(one("./python -V"), HasSubstr("must be a list"));
  EXPECT_THAT(one({{"argv", {"x"}}, {"match", "(unclosed"}}), HasSubstr("not a valid regular expression"));
  EXPECT_THAT(one({{"argv", {"x"}}, {"expect", 0}}), HasSubstr("unknown key 'expect'"));
  EXPECT_THAT(one({{"argv", {"x"}}, {"exit", "zero"}}), HasSubstr("'exit' must be an integer"));
  EXPECT_THAT(one(json::array()), HasSubstr("non-empty"));
  EXPECT_FALSE(k.validate({{"commands", json::array()}}).empty());
}

TEST(SmokeRunDefaults, RunsInTheRepositoryWithoutCwd) {
  TempDir t;
  write_file(t / "repo" / "check.sh", "#!/bin/sh\necho in-repo\n");
  fs::permissions(t / "repo" / "check.sh", fs::perms::owner_all);
  StepHarness h("smoke.run", t / "repo", t / "state");
  h.with()["commands"] = json::parse(R"([{"argv": ["./check.sh"], "match": "in-repo"}])");
  EXPECT_EQ(h.run()["passed"], 1);
}

}  // namespace
}  // namespace relman::test
