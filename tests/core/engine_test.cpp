// The scheduler in process, on the fake step kind: ordering through skipped
// steps, uncertain effects, a journal that cannot be written, the skip list
// after a crash. The randomized check of the same rules is
// engine_model_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "core/errors.h"
#include "support/engine_run.h"
#include "support/fake_step.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::fake::Act;
using ::testing::ElementsAre;

class EngineTest : public ::testing::Test {
 protected:
  void load(const std::string& yaml) {
    test::write_file(dir_ / "wf.yaml", yaml);
    wf_ = load_workflow(dir_ / "wf.yaml");
    auto& w = test::fake::world();
    w = {};
    w.dir = dir_ / "world";
    std::filesystem::create_directories(w.dir);
    w.journal = dir_ / "state" / "journal.jsonl";
    w.workflow = &wf_;
    run_.state_dir = dir_ / "state";
    run_.workflow = &wf_;
    run_.jobs = 2;
  }
  static test::fake::Script& script(const std::string& id) { return test::fake::world().scripts[id]; }
  // Position of a line in the order log; -1 when absent.
  static long at(const std::string& line) {
    auto o = test::fake::order(test::fake::world());
    auto it = std::find(o.begin(), o.end(), line);
    return it == o.end() ? -1 : it - o.begin();
  }
  StepState state_of(const std::string& id) {
    auto st = run_.state();
    const StepStatus* s = st.find(id);
    return s ? s->state : StepState::pending;
  }
  void expect_sound() {
    EXPECT_THAT(test::fake::violations(test::fake::world()), ::testing::IsEmpty());
    EXPECT_EQ(run_.mismatch, "");
  }

  test::TempDir dir_;
  Workflow wf_;
  test::EngineRun run_;
};

const char* kChain = R"(name: chain
steps:
  - id: a
    uses: test.fake
  - id: b
    uses: test.fake
  - id: c
    uses: test.fake
)";

TEST_F(EngineTest, SkippedAtStartStillWaitsForWhatItNeeds) {
  load(kChain);
  script("a").sleep_us = 300'000;
  run_.skip_at_start = {"b"};
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  ASSERT_GE(at("end a"), 0);
  EXPECT_LT(at("end a"), at("start c"));
  EXPECT_EQ(at("start b"), -1);
  expect_sound();
}

TEST_F(EngineTest, TwoSkippedInARowAndASkippedGate) {
  load(R"(name: chain
steps:
  - id: a
    uses: test.fake
  - id: b
    uses: test.fake
  - id: g
    uses: gate
  - id: d
    uses: test.fake
  - id: e
    uses: test.fake
)");
  script("a").sleep_us = 300'000;
  run_.skip_at_start = {"b", "g", "d"};
  run_.jobs = 4;
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_LT(at("end a"), at("start e"));
  expect_sound();
}

TEST_F(EngineTest, SkippedLaterWhileItsNeedFailedThenResumed) {
  load(kChain);
  script("a").misbehave = {Act::fail};
  script("a").sleep_us = 200'000;
  EXPECT_EQ(run_.invoke(), Outcome::failed);
  run_.append({{"event", "step_skipped"}, {"step", "b"}, {"by", "user"}, {"reason", "by hand"}});
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_LT(at("end a"), at("start c"));
  EXPECT_EQ(state_of("b"), StepState::skipped);
  expect_sound();
}

TEST_F(EngineTest, WhenFalseStepIsPassedOverOnlyAfterItsNeeds) {
  load(R"(name: chain
steps:
  - id: a
    uses: test.fake
  - id: b
    uses: test.fake
    when: not final
  - id: c
    uses: test.fake
)");
  script("a").sleep_us = 200'000;
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_LT(at("end a"), at("start c"));
  EXPECT_EQ(state_of("b"), StepState::skipped);
  expect_sound();
}

// Seen in a pep101 rehearsal of CPython: checksums (needs sigstore-sign,
// which comes after it in the file and is skipped) waited for the whole
// build to end although a slot was free.
TEST_F(EngineTest, AStepWhoseLastNeedIsSkippedLaterInThePassStartsWithoutWaiting) {
  load(R"(name: late-skip
steps:
  - id: first
    uses: test.fake
  - id: long
    uses: test.fake
    needs: [first]
  - id: waits
    uses: test.fake
    needs: [first, skipped]
  - id: skipped
    uses: test.fake
    needs: [first]
    when: not final
)");
  script("long").sleep_us = 500'000;
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_EQ(state_of("skipped"), StepState::skipped);
  EXPECT_EQ(state_of("waits"), StepState::succeeded);
  EXPECT_LT(at("start waits"), at("end long")) << "waits started only after long ended";
  expect_sound();
}

TEST_F(EngineTest, RetryOfAnEarlierStepRunsWhatFollowsAgainInOrder) {
  load(kChain);
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  script("a").sleep_us = 200'000;
  run_.append({{"event", "run_resumed"}});
  run_.retry("a");
  EXPECT_EQ(state_of("c"), StepState::pending);
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  auto o = test::fake::order(test::fake::world());
  // Second round: a, then b, then c, strictly in turn.
  EXPECT_THAT(std::vector<std::string>(o.begin() + 6, o.end()),
              ElementsAre("start a", "end a", "start b", "end b", "start c", "end c"));
  expect_sound();
}

TEST_F(EngineTest, AnUncertainEffectIsNeverRepeatedByAPlainResume) {
  load(kChain);
  script("b").misbehave = {Act::uncertain_after};
  EXPECT_EQ(run_.invoke(), Outcome::failed);
  auto st = run_.state();
  EXPECT_TRUE(st.find("b")->needs_decision);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(run_.invoke(), Outcome::failed);
  EXPECT_EQ(test::fake::effects(test::fake::world())["b"], 1);
  EXPECT_EQ(state_of("c"), StepState::pending);
  // The release manager looked: it went out.
  run_.append({{"event", "step_skipped"}, {"step", "b"}, {"by", "user"}, {"reason", "it went out"}});
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_EQ(test::fake::effects(test::fake::world())["b"], 1);
  expect_sound();
}

TEST_F(EngineTest, AnUncertainStepRunsAgainOnlyWhenRetried) {
  load(kChain);
  script("b").misbehave = {Act::uncertain_before};
  EXPECT_EQ(run_.invoke(), Outcome::failed);
  EXPECT_EQ(run_.invoke(), Outcome::failed);
  EXPECT_EQ(test::fake::effects(test::fake::world())["b"], 0);
  run_.retry("b");
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_EQ(test::fake::effects(test::fake::world())["b"], 1);
  expect_sound();
}

TEST_F(EngineTest, AFailedJournalWriteStopsCleanlyAndTheRunResumes) {
  load(R"(name: fan
steps:
  - id: a
    uses: test.fake
  - id: slow
    uses: test.fake
    needs: [a]
  - id: quick
    uses: test.fake
    needs: [a]
  - id: last
    uses: test.fake
    needs: [slow, quick]
)");
  script("slow").sleep_us = 300'000;
  // Events: 1 run_started, 2 a started, 3 a succeeded, 4-5 slow/quick started,
  // 6 quick's end: refused while `slow` still runs.
  run_.hook = [](uint64_t seq) {
    if (seq == 6) throw StateError("simulated: no space left on device");
  };
  EXPECT_THAT([&] { run_.invoke(); }, ThrowsMessage<StateError>(HasSubstr("no space left")));
  auto loaded = Journal::read(run_.state_dir / "journal.jsonl");
  EXPECT_FALSE(loaded.torn);
  EXPECT_EQ(loaded.last_seq, 5u);
  EXPECT_GE(at("end slow"), 0) << "the running step was waited for, not abandoned";
  run_.hook = nullptr;
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  auto eff = test::fake::effects(test::fake::world());
  EXPECT_EQ(eff["slow"], 1);
  EXPECT_EQ(eff["quick"], 1);
  EXPECT_EQ(eff["last"], 1);
  expect_sound();
}

TEST_F(EngineTest, TheSkipListHoldsWhenTheProcessDiedBeforeRecordingEachSkip) {
  load(kChain);
  run_.skip_at_start = {"b"};
  // Written by hand: the start record (with its skip list) and nothing else,
  // as a process killed right after it leaves the journal.
  run_.hook = [](uint64_t seq) {
    if (seq == 2) throw StateError("simulated crash after run_started");
  };
  EXPECT_THROW(run_.invoke(), StateError);
  run_.hook = nullptr;
  EXPECT_EQ(state_of("b"), StepState::skipped);
  EXPECT_EQ(run_.invoke(), Outcome::finished);
  EXPECT_EQ(at("start b"), -1);
  EXPECT_EQ(test::fake::effects(test::fake::world())["b"], 0);
  expect_sound();
}

// A required parameter taken whole from the output of a step that was
// skipped has no value: the step fails naming that step and both ways on
// (pep101's docs steps when docs-build is skipped), not with the kind's
// "parameter is required".
TEST_F(EngineTest, ARequiredParameterFromASkippedStepsOutputNamesThatStep) {
  load(R"(name: t
steps:
  - id: a
    uses: cpython.check_unreleased
  - id: b
    uses: exec
    with: {argv: "${steps.a.outputs.checked}"}
)");
  run_.skip_at_start = {"a"};
  EXPECT_EQ(run_.invoke(), Outcome::failed);
  const auto st = run_.state();
  ASSERT_NE(st.find("b"), nullptr);
  EXPECT_EQ(st.find("b")->state, StepState::failed);
  EXPECT_THAT(st.find("b")->error, AllOf(HasSubstr("`argv` is ${steps.a.outputs.checked}, but a was skipped"),
                                         HasSubstr("relman skip b"), HasSubstr("relman retry a")));
  EXPECT_EQ(run_.mismatch, "");
}

}  // namespace
}  // namespace relman
