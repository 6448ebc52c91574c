// The engine through the real binary: failures and resume, kill -9 at many
// points, the lock, --jobs, gates, retry and skip, workflow changes.
#include <gtest/gtest.h>
#include <unistd.h>
#include "test_paths.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/relman_process.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

class RunDir {
 public:
  RunDir() {
    relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
    fs::create_directories(dir / "out");
  }
  Ran relman(std::vector<std::string> args) const { return relman::test::relman(args, repo()); }
  Ran rehearse(const std::string& workflow, std::vector<std::string> extra = {}) const {
    write_file(dir / "wf.yaml", workflow);
    std::vector<std::string> args = {"rehearse",   "3.12.0",
                                     "--repo",     (dir / "repo").string(),
                                     "--workflow", (dir / "wf.yaml").string(),
                                     "--var",      "out=" + (dir / "out").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return relman(args);
  }
  // Commands run from the clone, where the rehearsal's default state directory is found.
  fs::path repo() const { return dir / "repo"; }
  fs::path state() const { return repo() / ".git" / "relman" / "rehearse-3.12.0"; }
  std::vector<json> events() const { return relman::test::journal_events(state()); }
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
  return "  - id: " + id + "\n    uses: exec\n" + extra + "    with: {argv: [sh, -c, \"echo x >> ${vars.out}/" + id +
         "\"]}\n";
}

const char* kHeader = "name: t\nvars:\n  out: /nonexistent\nsteps:\n";

// The complete lines of a journal that is being written (a torn tail, the
// line relman is writing right now, is left out).
std::vector<json> live_events(const fs::path& journal) {
  std::vector<json> out;
  std::ifstream in(journal, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t pos = 0;
  for (size_t nl; (nl = all.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    json e = json::parse(all.substr(pos, nl - pos), nullptr, false);
    if (!e.is_discarded()) out.push_back(std::move(e));
  }
  return out;
}

size_t count_of(const std::vector<json>& events, const std::string& event) {
  return static_cast<size_t>(
      std::count_if(events.begin(), events.end(), [&](const json& e) { return e.value("event", "") == event; }));
}

// Steps whose last event is step_started (or a checkpoint): running when the
// journal was cut.
std::vector<std::string> running_steps(const std::vector<json>& events) {
  std::map<std::string, std::string> last;
  for (const auto& e : events)
    if (e.contains("step")) last[e["step"]] = e["event"];
  std::vector<std::string> out;
  for (const auto& [id, ev] : last)
    if (ev == "step_started" || ev == "step_checkpoint") out.push_back(id);
  return out;
}

// What one SIGKILL did.
struct Kill {
  bool reached = false;  // the journal showed the kill point before relman ended
  bool hit = false;      // relman died of the SIGKILL, so it was running
  int exit_code = -1;    // how it ended otherwise
  std::vector<std::string> running;
};

// Starts relman ARGS in `cwd`; once the journal holds `count` events of kind
// `event`, waits `after` and sends SIGKILL. Whether the kill hit comes from
// the exit status, not from kill(2): a process that has exited but is not
// reaped yet still accepts a signal.
Kill kill_at(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& journal,
             const std::string& event, size_t count, std::chrono::milliseconds after) {
  Kill k;
  relman::test::RelmanProcess run(args, cwd);
  k.reached =
      run.wait_until([&] { return count_of(live_events(journal), event) >= count; }, std::chrono::milliseconds(1));
  if (k.reached) std::this_thread::sleep_for(after);
  k.hit = run.kill_now();
  k.exit_code = run.exit_code();
  k.running = running_steps(live_events(journal));
  return k;
}

}  // namespace

TEST(Run, AFailedStepIsFixedAndResumeRunsOnlyWhatIsLeft) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("one") + counting_step("two") +
                   "  - id: three\n    uses: exec\n    with: {argv: [sh, -c, \"test -f ${vars.out}/fixed || "
                   "{ echo 'the thing is broken' >&2; exit 3; }; echo x >> ${vars.out}/three\"]}\n" +
                   counting_step("four") + counting_step("five");
  auto first = r.rehearse(wf);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("FAILED three")) << first.out;
  EXPECT_THAT(first.out, HasSubstr("relman resume"));
  auto st = r.status();
  EXPECT_EQ(st["steps"][0]["state"], "succeeded");
  EXPECT_EQ(st["steps"][1]["state"], "succeeded");
  EXPECT_EQ(st["steps"][2]["state"], "failed");
  EXPECT_THAT(st["steps"][2]["error"].get<std::string>(), HasSubstr("the thing is broken"));
  EXPECT_THAT(st["steps"][2]["error"].get<std::string>(), HasSubstr("exit code 3"));
  EXPECT_EQ(st["steps"][3]["state"], "pending");
  auto plain = r.relman({"status"});
  EXPECT_THAT(plain.out, HasSubstr("fix the three step")) << plain.out;

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
  EXPECT_THAT(log.out, HasSubstr("the thing is broken"));
}

TEST(Run, KillNineAtManyPointsNeverRepeatsAnEffect) {
  // Each step makes a directory with mkdir, which fails if it already
  // exists: a step run twice would fail the run. Each sleeps 0.2 s first,
  // so that a kill aimed inside a step lands there even on a loaded machine.
  std::string steps;
  for (int i = 0; i < 5; ++i) {
    std::string id = "s" + std::to_string(i);
    steps += "  - id: " + id + "\n    uses: exec\n    with:\n      argv: [sh, -c, \"echo $$ >> ${vars.out}/attempts-" +
             id + "; sleep 0.2; mkdir ${vars.out}/" + id + "\"]\n      creates: ${vars.out}/" + id + "\n";
  }
  // Where the first kill lands: right after the journal holds the n-th
  // event of a kind (between events, the engine about to act on it), or
  // `after_ms` into the n-th step (mid-step). The resume that follows is
  // killed inside the next step it starts; a last resume finishes the run.
  struct Point {
    const char* event;
    size_t nth;
    int after_ms;
    bool mid_step;
  };
  const Point points[] = {{"run_started", 1, 0, false},    {"step_started", 1, 20, true},
                          {"step_succeeded", 1, 0, false}, {"step_started", 3, 120, true},
                          {"step_succeeded", 3, 0, false}, {"step_started", 4, 60, true}};
  for (const auto& at : points) {
    const std::string where =
        std::string(at.event) + " #" + std::to_string(at.nth) + " +" + std::to_string(at.after_ms) + " ms";
    RunDir r;
    write_file(r.dir / "wf.yaml", std::string(kHeader) + steps);
    const fs::path journal = r.state() / "journal.jsonl";
    const std::vector<std::string> rehearse = {"rehearse",   "3.12.0",
                                               "--repo",     (r.dir / "repo").string(),
                                               "--workflow", (r.dir / "wf.yaml").string(),
                                               "--var",      "out=" + (r.dir / "out").string()};

    Kill first = kill_at(rehearse, r.repo(), journal, at.event, at.nth, std::chrono::milliseconds(at.after_ms));
    ASSERT_TRUE(first.reached) << where << ": relman ended (exit " << first.exit_code << ") before the kill point";
    ASSERT_TRUE(first.hit) << where << ": the kill did not hit a running relman (exit " << first.exit_code << ")";
    if (at.mid_step) {
      EXPECT_EQ(first.running, std::vector<std::string>{"s" + std::to_string(at.nth - 1)})
          << where << ": the kill was meant to land inside that step";
    }

    const size_t started = count_of(live_events(journal), "step_started");
    Kill second = kill_at({"resume"}, r.repo(), journal, "step_started", started + 1, std::chrono::milliseconds(40));
    ASSERT_TRUE(second.reached) << where << ": the resume ended (exit " << second.exit_code
                                << ") before starting a step";
    ASSERT_TRUE(second.hit) << where << ": the kill of the resume did not hit a running relman";
    EXPECT_EQ(second.running.size(), 1u) << where << ": the resume was meant to be killed inside a step";

    auto last = r.relman({"resume"});
    ASSERT_EQ(last.exit_code, 0) << where << ": " << last.out << last.err;
    for (int i = 0; i < 5; ++i) {
      std::string id = "s" + std::to_string(i);
      EXPECT_TRUE(fs::is_directory(r.dir / "out" / id)) << id;
      EXPECT_EQ(r.count("step_succeeded", id), 1) << id << " " << where;
      EXPECT_EQ(r.count("step_failed", id), 0) << id << " " << where;
    }
    EXPECT_TRUE(r.status()["finished"].get<bool>()) << where;
  }
}

TEST(Run, ASecondRehearsalOnTheSameStateDirLeavesTheRunningOnesSandboxAlone) {
  // The lock comes first: the second rehearse used to delete the running
  // rehearsal's sandbox before it found the lock taken.
  RunDir r;
  std::string wf =
      std::string(kHeader) +
      "  - id: wait\n    uses: exec\n    with: {argv: [sh, -c, \"i=0; while [ ! -f ${vars.out}/go ] && [ $i "
      "-lt 600 ]; do sleep 0.05; i=$((i+1)); done; test -f ${vars.out}/go\"]}\n" +
      counting_step("after");
  write_file(r.dir / "wf.yaml", wf);
  std::string cmd = quote(RELMAN_BINARY) + " rehearse 3.12.0 --repo " + quote(r.repo().string()) + " --workflow " +
                    quote((r.dir / "wf.yaml").string()) + " --var out=" + quote((r.dir / "out").string());
  Ran first_result;
  std::thread first([&] { first_result = sh(cmd, r.repo()); });
  for (int i = 0; i < 200 && r.count("step_started", "wait") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(r.count("step_started", "wait"), 1);
  auto workspace = r.state() / "sandbox" / "workspace";
  ASSERT_TRUE(fs::exists(workspace / "README"));

  auto second = r.rehearse(wf);
  EXPECT_EQ(second.exit_code, 4) << second.out << second.err;
  EXPECT_THAT(second.err, HasSubstr("another relman")) << second.err;
  EXPECT_TRUE(fs::exists(workspace / "README")) << "the running rehearsal's sandbox was touched";
  EXPECT_TRUE(fs::exists(workspace / ".git"));

  write_file(r.dir / "out" / "go", "");
  first.join();
  EXPECT_EQ(first_result.exit_code, 0) << first_result.out << first_result.err;
  EXPECT_EQ(r.lines("after"), 1);
  EXPECT_TRUE(r.status()["finished"].get<bool>());

  // The race the issue measured: the second rehearse 30-60 ms after the
  // first, while the first is still making its sandbox (no event yet). One
  // of them gets the lock and finishes; the other exits 4 having removed nothing.
  for (int offset_ms : {30, 60}) {
    RunDir race;
    write_file(race.dir / "wf.yaml", wf);
    std::string again = quote(RELMAN_BINARY) + " rehearse 3.12.0 --repo " + quote(race.repo().string()) +
                        " --workflow " + quote((race.dir / "wf.yaml").string()) +
                        " --var out=" + quote((race.dir / "out").string());
    Ran a, b;
    std::thread ta([&] { a = sh(again, race.repo()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(offset_ms));
    std::thread tb([&] { b = sh(again, race.repo()); });
    for (int i = 0; i < 200 && race.count("step_started", "wait") == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(race.count("step_started", "wait"), 1) << offset_ms;
    write_file(race.dir / "out" / "go", "");
    ta.join();
    tb.join();
    const Ran& lost = a.exit_code == 4 ? a : b;
    const Ran& won = a.exit_code == 4 ? b : a;
    EXPECT_EQ(lost.exit_code, 4) << offset_ms << "\n" << a.out << a.err << "\n" << b.out << b.err;
    EXPECT_EQ(won.exit_code, 0) << offset_ms << "\n" << won.out << won.err;
    EXPECT_EQ(race.lines("after"), 1) << offset_ms;
    EXPECT_EQ(race.count("run_started", ""), 1) << offset_ms;
  }
}

TEST(Run, ASecondRelmanOnARunningRunGetsExitFourAndWritesNothing) {
  RunDir r;
  // The step runs until the test lets it go (at most 60 s), so however slow
  // the machine (ASan), the run is still going while the others try.
  const std::string go = (r.dir / "go").string();
  std::string wf = std::string(kHeader) +
                   "  - id: slow\n    uses: exec\n    with: {argv: [sh, -c, \"i=0; while [ ! -e " + go +
                   " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\"]}\n";
  write_file(r.dir / "wf.yaml", wf);
  std::string cmd = quote(RELMAN_BINARY) + " rehearse 3.12.0 --repo " + quote((r.dir / "repo").string()) +
                    " --workflow " + quote((r.dir / "wf.yaml").string()) + " --var out=x";
  std::thread first([&] { sh(cmd, r.repo()); });
  auto journal = r.state() / "journal.jsonl";
  for (int i = 0; i < 100 && r.count("step_started", "slow") == 0; ++i) {
    if (fs::exists(journal)) {
      if (r.count("step_started", "slow")) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(r.count("step_started", "slow"), 1);
  std::string before = read_file(journal);
  for (auto args :
       std::vector<std::vector<std::string>>{{"resume"}, {"skip", "slow", "--reason", "x"}, {"retry", "slow"}}) {
    auto second = r.relman(args);
    EXPECT_EQ(second.exit_code, 4) << args[0] << second.err;
    EXPECT_THAT(second.err, HasSubstr("another relman")) << second.err;
  }
  // approve is the exception (handed to the running relman, tests/cli/approve_test.cpp);
  // a bad one is refused as such, without touching the run.
  auto approve = r.relman({"approve", "slow"});
  EXPECT_EQ(approve.exit_code, 2) << approve.err;
  EXPECT_THAT(approve.err, HasSubstr("not a gate")) << approve.err;
  EXPECT_EQ(read_file(journal), before);
  // Reading is always allowed.
  EXPECT_EQ(r.relman({"status"}).exit_code, 0);
  write_file(r.dir / "go", "");
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
  EXPECT_THAT(first.out, HasSubstr("relman approve green-light")) << first.out;
  EXPECT_EQ(r.lines("after"), 0);
  EXPECT_EQ(r.relman({"resume"}).exit_code, 3);
  EXPECT_EQ(r.count("step_waiting", "green-light"), 1);
  auto st = r.relman({"status"});
  EXPECT_THAT(st.out, HasSubstr("waiting for approval: relman approve green-light")) << st.out;
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
  std::string wf =
      std::string(kHeader) + counting_step("one") + "  - id: gate\n    uses: gate\n" + counting_step("two");
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
  std::string wf =
      std::string(kHeader) + "  - id: broken\n    uses: exec\n    with: {argv: [\"false\"]}\n" + counting_step("after");
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
  write_file(r.dir / "wf.yaml",
             std::string(kHeader) + "  - id: broken\n    uses: exec\n    with: {argv: [\"true\"]}\n");
  auto refused = r.relman({"resume"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("--accept-workflow-change")) << refused.err;
  auto accepted = r.relman({"resume", "--accept-workflow-change"});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_EQ(r.count("workflow_changed", ""), 1);
}

// approve and skip open the run as resume does, so they take the same flag
// (they used to read it without offering it: CLI11 refused the option).
TEST(Run, ApproveAndSkipTakeAChangedWorkflowOnlyWhenAccepted) {
  RunDir r;
  std::string gate = "  - id: green-light\n    uses: gate\n";
  std::string wf = std::string(kHeader) + gate + counting_step("after") + counting_step("last");
  ASSERT_EQ(r.rehearse(wf).exit_code, 3);
  write_file(r.dir / "wf.yaml", wf + counting_step("added"));
  auto refused = r.relman({"approve", "green-light", "--as", "ann"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("--accept-workflow-change")) << refused.err;
  auto approved = r.relman({"approve", "green-light", "--as", "ann", "--accept-workflow-change"});
  EXPECT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  EXPECT_EQ(r.count("workflow_changed", ""), 1);
  write_file(r.dir / "wf.yaml", wf + counting_step("added") + counting_step("added-again"));
  EXPECT_EQ(r.relman({"skip", "after", "--reason", "by hand"}).exit_code, 2);
  auto skipped = r.relman({"skip", "after", "--reason", "by hand", "--accept-workflow-change"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  EXPECT_EQ(r.count("workflow_changed", ""), 2);
  EXPECT_EQ(r.relman({"resume"}).exit_code, 0);
  EXPECT_EQ(r.lines("after"), 0);
  EXPECT_EQ(r.lines("added-again"), 1);
}

TEST(Run, AnExistingRunIsNotStartedTwice) {
  RunDir r;
  std::string wf = std::string(kHeader) + counting_step("one");
  ASSERT_EQ(r.rehearse(wf).exit_code, 0);
  auto again = r.rehearse(wf);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("a run already exists"));
  EXPECT_EQ(r.lines("one"), 1);
}
