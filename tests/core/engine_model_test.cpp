// The randomized model check of the engine (docs/workflow-format.md, "How
// the engine is checked"): random workflows of fake steps and gates, with
// explicit and implicit needs, `when`s, skips at the start and later,
// scripted failures, uncertain effects, crashes inside steps and at random
// journal writes, run through the real Engine and Journal on disk with
// --jobs 1 to 4. Each invocation runs in a child process, so a crash is a
// real one (_exit), and the next invocation resumes from what is on disk.
// After every invocation and at the end it checks:
//   - no step started before everything it transitively needs had finished
//     (checked by each fake step as it starts, against the journal);
//   - the state the engine held equals the fold of the journal;
//   - each effect happened at most once, and exactly once for every step
//     that ran to the end;
//   - the crashed-and-resumed run ends as the same workflow run without
//     injected crashes: the same effects and the same skipped steps.
// Seeded: RELMAN_MODEL_SEED=N reproduces a run, RELMAN_MODEL_RUNS=N sets
// how many workflows (ctest runs 100; tests/model-check.sh 10,000).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/errors.h"
#include "support/engine_run.h"
#include "support/fake_step.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::fake::Act;

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

struct Model {
  std::string yaml;
  std::map<std::string, test::fake::Script> scripts;
  std::vector<std::string> skip_at_start;
  std::set<std::string> skip_later;  // by `relman skip` at the first stop where still pending
  std::set<std::string> gates;
  int jobs = 2;
  int journal_crashes = 0;  // crashes injected at random journal writes
};

Model make_model(std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  Model m;
  int n = pick(2, 40);
  m.jobs = pick(1, 4);
  m.journal_crashes = pick(0, 3);
  const char* whens[] = {"final", "not final", "beta or rc", "final or rc", "alpha"};
  const Act acts[] = {Act::fail, Act::uncertain_before, Act::uncertain_after, Act::crash_before_effect,
                      Act::crash_after_effect};
  m.yaml = "name: model\nsteps:\n";
  for (int i = 0; i < n; ++i) {
    std::string id = fmt::format("s{}", i);
    bool gate = i > 0 && chance(0.1);
    m.yaml += fmt::format("  - id: {}\n    uses: {}\n", id, gate ? "gate" : "test.fake");
    if (gate) m.gates.insert(id);
    if (i > 0 && chance(0.5)) {
      std::set<int> needs;
      int k = pick(0, std::min(i, 3));
      while (static_cast<int>(needs.size()) < k) needs.insert(pick(0, i - 1));
      std::string list;
      for (int d : needs) list += (list.empty() ? "" : ", ") + fmt::format("s{}", d);
      m.yaml += fmt::format("    needs: [{}]\n", list);
    }
    if (chance(0.15)) m.yaml += fmt::format("    when: {}\n", whens[pick(0, 4)]);
    if (!gate) {
      test::fake::Script s;
      s.sleep_us = chance(0.3) ? pick(0, 3000) : 0;
      if (chance(0.25)) {
        int k = pick(1, 2);
        for (int j = 0; j < k; ++j) s.misbehave.push_back(acts[pick(0, 4)]);
      }
      m.scripts[id] = s;
    }
    if (chance(0.08)) m.skip_at_start.push_back(id);
    else if (chance(0.05)) m.skip_later.insert(id);
  }
  return m;
}

enum Code { kFinished = 0, kFailed = 1, kWaiting = 3, kStateError = 5, kCrashed = 77, kOther = 99 };

// One invocation in a child process; returns its exit code.
int invoke_in_child(test::EngineRun& run, uint64_t crash_at_seq) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (crash_at_seq)
      run.hook = [crash_at_seq](uint64_t seq) {
        if (seq == crash_at_seq) ::_exit(kCrashed);
      };
    int code = kOther;
    try {
      Outcome o = run.invoke();
      if (!run.mismatch.empty()) {
        std::ofstream(test::fake::world().dir / "violations.log", std::ios::app)
            << "engine state differs from the journal: " << run.mismatch << "\n";
      }
      code = o == Outcome::finished ? kFinished : o == Outcome::failed ? kFailed : kWaiting;
    } catch (const StateError& e) {
      std::ofstream(test::fake::world().dir / "violations.log", std::ios::app) << "state error: " << e.what() << "\n";
      code = kStateError;
    } catch (const std::exception& e) {
      std::ofstream(test::fake::world().dir / "violations.log", std::ios::app) << "exception: " << e.what() << "\n";
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : kOther;
}

struct Ending {
  std::map<std::string, int> effects;
  std::set<std::string> skipped_by_rule;  // when / start
  std::string problem;                    // "" when every check passed
  int crashes = 0;
  int invocations = 0;
};

// Runs a model to the end, as a release manager would: resume after a
// crash, approve a waiting gate, decide an uncertain step by looking at the
// world, resume or retry a plain failure.
Ending play(const Model& m, const std::filesystem::path& dir, uint64_t seed, bool inject) {
  Ending end;
  std::filesystem::create_directories(dir / "world");
  test::write_file(dir / "wf.yaml", m.yaml);
  Workflow wf = load_workflow(dir / "wf.yaml");
  auto& w = test::fake::world();
  w = {};
  w.dir = dir / "world";
  w.journal = dir / "state" / "journal.jsonl";
  w.workflow = &wf;
  w.scripts = m.scripts;
  test::EngineRun run;
  run.state_dir = dir / "state";
  run.workflow = &wf;
  run.jobs = m.jobs;
  run.skip_at_start = m.skip_at_start;
  std::mt19937_64 rng(seed ^ (inject ? 0x9e3779b97f4a7c15ULL : 0));
  int crashes_left = inject ? m.journal_crashes : 0;
  bool skipped_later = false;
  int failures_seen = 0;
  for (int round = 0; round < 200; ++round) {
    uint64_t crash_at = 0;
    if (crashes_left > 0) {
      uint64_t next = Journal::read(w.journal).last_seq + 1;
      crash_at = next + std::uniform_int_distribution<uint64_t>(0, 3 * wf.steps.size())(rng);
    }
    int code = invoke_in_child(run, crash_at);
    ++end.invocations;
    auto v = test::fake::violations(w);
    if (!v.empty()) {
      end.problem = v.front();
      return end;
    }
    if (code == kCrashed) {
      ++end.crashes;
      if (crash_at) --crashes_left;
      continue;
    }
    if (code == kFinished) break;
    if (code != kFailed && code != kWaiting) {
      end.problem = fmt::format("invocation {} ended with code {}", end.invocations, code);
      return end;
    }
    RunState st = run.state();
    if (!skipped_later) {
      skipped_later = true;
      for (const auto& id : m.skip_later)
        if (const StepStatus* s = st.find(id); !s || s->state == StepState::pending)
          run.append({{"event", "step_skipped"}, {"step", id}, {"by", "user"}, {"reason", "by hand"}});
    }
    auto eff = test::fake::effects(w);
    for (const auto& step : wf.steps) {
      const StepStatus* s = st.find(step.id);
      if (!s) continue;
      if (s->state == StepState::waiting) {
        run.append({{"event", "step_approved"}, {"step", step.id}, {"by", "model"}});
      } else if (s->state == StepState::failed && s->needs_decision) {
        if (eff[step.id] > 0)
          run.append({{"event", "step_skipped"}, {"step", step.id}, {"by", "user"}, {"reason", "it went out"}});
        else run.retry(step.id);
      } else if (s->state == StepState::failed && (++failures_seen % 2 == 0)) {
        run.retry(step.id);  // otherwise a plain resume runs it again
      }
    }
  }
  RunState st = run.state();
  if (!st.finished) {
    end.problem = "the run did not finish within 200 invocations";
    return end;
  }
  end.effects = test::fake::effects(w);
  for (const auto& step : wf.steps) {
    const StepStatus* s = st.find(step.id);
    if (!s) continue;
    int e = end.effects[step.id];
    if (e > 1) end.problem = fmt::format("{}'s effect happened {} times", step.id, e);
    if (s->state == StepState::succeeded && !m.gates.count(step.id) && e != 1)
      end.problem = fmt::format("{} succeeded with its effect done {} times", step.id, e);
    if (s->state == StepState::skipped && s->skipped_by != "user" && e != 0)
      end.problem = fmt::format("{} was skipped by {} yet its effect happened", step.id, s->skipped_by);
    if (s->state == StepState::skipped && s->skipped_by != "user") end.skipped_by_rule.insert(step.id);
    if (!end.problem.empty()) break;
  }
  return end;
}

TEST(EngineModel, RandomWorkflowsKeepEveryPromise) {
  uint64_t seed = env_u64("RELMAN_MODEL_SEED", std::random_device{}());
  uint64_t runs = env_u64("RELMAN_MODEL_RUNS", 100);
  std::printf("engine model check: seed %llu, %llu workflows (RELMAN_MODEL_SEED=%llu reproduces it)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(seed));
  // tmpfs when there is one: the check is about order, not the disk's speed.
  std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  int crashes = 0, invocations = 0;
  for (uint64_t i = 0; i < runs; ++i) {
    uint64_t model_seed = seed + i;
    std::mt19937_64 rng(model_seed);
    Model m = make_model(rng);
    auto dir = base / fmt::format("relman-model-{}-{}", ::getpid(), i);
    std::filesystem::remove_all(dir);
    Ending crashed = play(m, dir / "crashed", model_seed, true);
    Ending plain = play(m, dir / "plain", model_seed, false);
    crashes += crashed.crashes + plain.crashes;
    invocations += crashed.invocations + plain.invocations;
    std::string where = fmt::format("workflow {} (RELMAN_MODEL_SEED={} RELMAN_MODEL_RUNS=1, jobs {}), kept in {}", i,
                                    model_seed, m.jobs, dir.string());
    ASSERT_EQ(crashed.problem, "") << where << "\n" << m.yaml;
    ASSERT_EQ(plain.problem, "") << where << "\n" << m.yaml;
    // A step skipped later may have run already in one of the two runs: the
    // skip lands wherever the run stopped first, which crashes move.
    for (const auto& id : m.skip_later) {
      crashed.effects.erase(id), plain.effects.erase(id);
      crashed.skipped_by_rule.erase(id), plain.skipped_by_rule.erase(id);
    }
    ASSERT_EQ(crashed.effects, plain.effects) << "crashed and uninterrupted runs did different work: " << where;
    ASSERT_EQ(crashed.skipped_by_rule, plain.skipped_by_rule) << where;
    std::filesystem::remove_all(dir);
  }
  std::printf("engine model check: %llu workflows, %d invocations, %d crashes, all sound\n",
              static_cast<unsigned long long>(runs), invocations, crashes);
  EXPECT_GT(crashes, 0) << "no crash was injected: the check proved nothing about resuming";
}

}  // namespace
}  // namespace relman
