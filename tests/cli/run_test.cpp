// The engine through the real binary: failures and resume, kill -9 at many
// points, the lock, --jobs, gates, retry and skip, workflow changes.
#include "test_paths.h"
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using relman::test::quote;
using relman::test::Ran;
using relman::test::read_file;
using relman::test::sh;
using relman::test::TempDir;
using relman::test::write_file;

namespace {

class RunDir {
 public:
  RunDir() {
    relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
    fs::create_directories(dir / "out");
  }
  Ran relman(std::vector<std::string> args) const {
    return relman::test::relman(args, dir.path());
  }
  Ran rehearse(const std::string& workflow, std::vector<std::string> extra = {}) const {
    write_file(dir / "wf.yaml", workflow);
    std::vector<std::string> args = {"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow",
                                     (dir / "wf.yaml").string(), "--var", "out=" + (dir / "out").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return relman(args);
  }
  std::vector<json> events() const { return relman::test::journal_events(dir / "release-state" / "3.12.0"); }
  int count(const std::string& event, const std::string& step) const {
    int n = 0;
    for (const auto& e : events())
      if (e["event"] == event && e.value("step", "") == step) ++n;
    return n;
  }
  int lines(const std::string& file) const {
    if (!fs::exists(dir / "out" / file)) return 0;
    std::string s = read_file(dir / "out" / file);
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }
  json status() const {
    auto r = relman({"status", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  TempDir dir;
};

// A step that appends a line to out/NAME each time it runs.
std::string counting_step(const std::string& id, const std::string& extra = "") {
  return "  - id: " + id + "\n    uses: exec\n" + extra + "    with: {argv: [sh, -c, \"echo x >> ${vars.out}/" + id + "\"]}\n";
}

const char* kHeader = "name: t\nvars:\n  out: /nonexistent\nsteps:\n";

}  // namespace

TEST(Run, AFailedStepIsFixedAndResumeRunsOnlyWhatIsLeft) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("one") + counting_step("two") +
                   "  - id: three\n    uses: exec\n    with: {argv: [sh, -c, \"test -f ${vars.out}/fixed || "
                   "{ echo 'the thing is broken' >&2; exit 3; }; echo x >> ${vars.out}/three\"]}\n" +
                   counting_step("four") + counting_step("five");
  auto first = r.rehearse(wf);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_NE(first.out.find("FAILED three"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("relman resume"), std::string::npos);
  auto st = r.status();
  EXPECT_EQ(st["steps"][0]["state"], "succeeded");
  EXPECT_EQ(st["steps"][1]["state"], "succeeded");
  EXPECT_EQ(st["steps"][2]["state"], "failed");
  EXPECT_NE(st["steps"][2]["error"].get<std::string>().find("the thing is broken"), std::string::npos);
  EXPECT_NE(st["steps"][2]["error"].get<std::string>().find("exit code 3"), std::string::npos);
  EXPECT_EQ(st["steps"][3]["state"], "pending");
  auto plain = r.relman({"status"});
  EXPECT_NE(plain.out.find("fix the three step"), std::string::npos) << plain.out;

  // Resuming without the fix fails again, and runs nothing twice.
  EXPECT_EQ(r.relman({"resume"}).exit_code, 1);
  write_file(r.dir / "out" / "fixed", "");
  auto second = r.relman({"resume"});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(r.lines("one"), 1);
  EXPECT_EQ(r.lines("two"), 1);
  EXPECT_EQ(r.lines("three"), 1);
  EXPECT_EQ(r.lines("five"), 1);
  EXPECT_EQ(r.count("step_started", "three"), 3);
  EXPECT_EQ(r.status()["steps"][2]["attempts"], 3);
  EXPECT_TRUE(r.status()["finished"].get<bool>());
  auto log = r.relman({"log", "three"});
  EXPECT_NE(log.out.find("the thing is broken"), std::string::npos);
}

TEST(Run, KillNineAtManyPointsNeverRepeatsAnEffect) {
  // Each step makes a directory with mkdir, which fails if it already
  // exists: a step run twice would fail the run.
  std::string steps;
  for (int i = 0; i < 6; ++i) {
    std::string id = "s" + std::to_string(i);
    steps += "  - id: " + id + "\n    uses: exec\n    with:\n      argv: [sh, -c, \"echo $$ >> ${vars.out}/attempts-" + id +
             "; sleep 0.05; mkdir ${vars.out}/" + id + "\"]\n      creates: ${vars.out}/" + id + "\n";
  }
  for (int delay_ms : {0, 15, 40, 70, 110, 160, 230, 320}) {
    RunDir r;
    std::string wf = std::string(kHeader) + steps;
    write_file(r.dir / "wf.yaml", wf);
    std::string cmd = quote(RELMAN_BINARY) + " rehearse 3.12.0 --repo " + quote((r.dir / "repo").string()) +
                      " --workflow " + quote((r.dir / "wf.yaml").string()) + " --var out=" + quote((r.dir / "out").string());
    int kills = 0;
    int rc = -1;
    for (int round = 0; round < 20 && rc != 0; ++round) {
      bool started = fs::exists(r.dir / "release-state" / "3.12.0" / "journal.jsonl") &&
                     fs::file_size(r.dir / "release-state" / "3.12.0" / "journal.jsonl") > 0;
      std::string run = started ? quote(RELMAN_BINARY) + " resume" : cmd;
      if (round < 3) {
        // Killed after a delay, mid-step or between events.
        auto k = sh(run + " >/dev/null 2>&1 & pid=$!; sleep " + std::to_string((delay_ms + round * 37) / 1000.0) +
                        "; kill -9 $pid 2>/dev/null && echo killed; wait $pid; true",
                    r.dir.path());
        if (k.out.find("killed") != std::string::npos) ++kills;
        continue;
      }
      auto res = sh(run, r.dir.path());
      rc = res.exit_code;
      ASSERT_TRUE(rc == 0) << "delay " << delay_ms << ": " << res.out << res.err;
    }
    EXPECT_EQ(rc, 0);
    for (int i = 0; i < 6; ++i) {
      std::string id = "s" + std::to_string(i);
      EXPECT_TRUE(fs::is_directory(r.dir / "out" / id)) << id;
      EXPECT_EQ(r.count("step_succeeded", id), 1) << id << " delay " << delay_ms;
      EXPECT_EQ(r.count("step_failed", id), 0) << id << " delay " << delay_ms;
    }
  }
}

TEST(Run, ASecondRelmanOnARunningRunGetsExitFourAndWritesNothing) {
  RunDir r;
  std::string wf = std::string(kHeader) + "  - id: slow\n    uses: exec\n    with: {argv: [sleep, \"3\"]}\n";
  write_file(r.dir / "wf.yaml", wf);
  std::string cmd = quote(RELMAN_BINARY) + " rehearse 3.12.0 --repo " + quote((r.dir / "repo").string()) +
                    " --workflow " + quote((r.dir / "wf.yaml").string()) + " --var out=x";
  std::thread first([&] { sh(cmd, r.dir.path()); });
  auto journal = r.dir / "release-state" / "3.12.0" / "journal.jsonl";
  for (int i = 0; i < 100 && r.count("step_started", "slow") == 0; ++i) {
    if (fs::exists(journal)) {
      if (r.count("step_started", "slow")) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(r.count("step_started", "slow"), 1);
  std::string before = read_file(journal);
  for (auto args : std::vector<std::vector<std::string>>{{"resume"}, {"skip", "slow", "--reason", "x"}, {"retry", "slow"}}) {
    auto second = r.relman(args);
    EXPECT_EQ(second.exit_code, 4) << args[0] << second.err;
    EXPECT_NE(second.err.find("another relman"), std::string::npos) << second.err;
  }
  // approve is the exception (handed to the running relman, tests/cli/approve_test.cpp);
  // a bad one is refused as such, without touching the run.
  auto approve = r.relman({"approve", "slow"});
  EXPECT_EQ(approve.exit_code, 2) << approve.err;
  EXPECT_NE(approve.err.find("not a gate"), std::string::npos) << approve.err;
  EXPECT_EQ(read_file(journal), before);
  // Reading is always allowed.
  EXPECT_EQ(r.relman({"status"}).exit_code, 0);
  first.join();
  EXPECT_EQ(r.count("step_succeeded", "slow"), 1);
}

TEST(Run, IndependentStepsOverlapWithTwoJobsAndNotWithOne) {
  std::string wf = std::string(kHeader) +
                   "  - id: a\n    uses: exec\n    needs: []\n    with: {argv: [sleep, \"0.6\"]}\n"
                   "  - id: b\n    uses: exec\n    needs: []\n    with: {argv: [sleep, \"0.6\"]}\n";
  for (int jobs : {1, 2}) {
    RunDir r;
    ASSERT_EQ(r.rehearse(wf, {"--jobs", std::to_string(jobs)}).exit_code, 0);
    int64_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    for (const auto& e : r.events()) {
      int64_t t = e["t_ms"];
      if (e["event"] == "step_started") (e["step"] == "a" ? a0 : b0) = t;
      if (e["event"] == "step_succeeded") (e["step"] == "a" ? a1 : b1) = t;
    }
    bool overlap = a0 < b1 && b0 < a1;
    EXPECT_EQ(overlap, jobs == 2) << "jobs " << jobs << ": a " << a0 << ".." << a1 << " b " << b0 << ".." << b1;
  }
}

TEST(Run, GatesWaitWithExitThreeUntilApproved) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("before") +
                   "  - id: green-light\n    uses: gate\n    with: {message: \"Wait for the builders\"}\n" +
                   counting_step("after") + "  - id: other\n    uses: gate\n    when: alpha\n";
  auto first = r.rehearse(wf);
  EXPECT_EQ(first.exit_code, 3) << first.out << first.err;
  EXPECT_NE(first.out.find("relman approve green-light"), std::string::npos) << first.out;
  EXPECT_EQ(r.lines("after"), 0);
  EXPECT_EQ(r.relman({"resume"}).exit_code, 3);
  EXPECT_EQ(r.count("step_waiting", "green-light"), 1);
  auto st = r.relman({"status"});
  EXPECT_NE(st.out.find("waiting for approval: relman approve green-light"), std::string::npos) << st.out;
  EXPECT_EQ(r.relman({"approve", "before"}).exit_code, 2);
  auto ok = r.relman({"approve", "green-light", "--as", "thomas"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto done = r.relman({"resume"});
  EXPECT_EQ(done.exit_code, 0) << done.out;
  EXPECT_EQ(r.lines("after"), 1);
  auto s = r.status();
  EXPECT_EQ(s["steps"][1]["approved_by"], "thomas");
  EXPECT_EQ(s["steps"][3]["state"], "skipped");
}

TEST(Run, AutoApproveAndSkipAtStartAreRecorded) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("one") + "  - id: gate\n    uses: gate\n" + counting_step("two");
  auto res = r.rehearse(wf, {"--auto-approve", "--skip", "one"});
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  EXPECT_EQ(r.lines("one"), 0);
  EXPECT_EQ(r.lines("two"), 1);
  auto s = r.status();
  EXPECT_EQ(s["steps"][0]["state"], "skipped");
  EXPECT_EQ(s["steps"][0]["reason"], "skipped at start");
  EXPECT_EQ(s["steps"][1]["approved_by"], "--auto-approve");
}

TEST(Run, RetryRunsAStepAndItsDependantsAgain) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("one") + counting_step("two") + counting_step("three");
  ASSERT_EQ(r.rehearse(wf).exit_code, 0);
  auto res = r.relman({"retry", "two"});
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  EXPECT_EQ(r.lines("one"), 1);
  EXPECT_EQ(r.lines("two"), 2);
  EXPECT_EQ(r.lines("three"), 2);
  EXPECT_EQ(r.count("step_reset", "three"), 1);
}

TEST(Run, SkipByHandLetsTheRunGoOn) {
  RunDir r;
  std::string wf = std::string(kHeader) + "  - id: broken\n    uses: exec\n    with: {argv: [\"false\"]}\n" + counting_step("after");
  EXPECT_EQ(r.rehearse(wf).exit_code, 1);
  EXPECT_EQ(r.relman({"skip", "broken"}).exit_code, 2);
  EXPECT_EQ(r.relman({"skip", "broken", "--reason", "done by hand"}).exit_code, 0);
  EXPECT_EQ(r.relman({"resume"}).exit_code, 0);
  EXPECT_EQ(r.lines("after"), 1);
  EXPECT_EQ(r.status()["steps"][0]["reason"], "done by hand");
}

TEST(Run, AChangedWorkflowIsRefusedUntilAccepted) {
  RunDir r;
  std::string wf = std::string(kHeader) + "  - id: broken\n    uses: exec\n    with: {argv: [\"false\"]}\n";
  EXPECT_EQ(r.rehearse(wf).exit_code, 1);
  write_file(r.dir / "wf.yaml", std::string(kHeader) + "  - id: broken\n    uses: exec\n    with: {argv: [\"true\"]}\n");
  auto refused = r.relman({"resume"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--accept-workflow-change"), std::string::npos) << refused.err;
  auto accepted = r.relman({"resume", "--accept-workflow-change"});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_EQ(r.count("workflow_changed", ""), 1);
}

TEST(Run, AnExistingRunIsNotStartedTwice) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("one");
  ASSERT_EQ(r.rehearse(wf).exit_code, 0);
  auto again = r.rehearse(wf);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("a run already exists"), std::string::npos);
  EXPECT_EQ(r.lines("one"), 1);
}
