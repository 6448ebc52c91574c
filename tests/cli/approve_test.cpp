// `relman approve` while another relman drives the run (two real processes),
// and who the record says approved.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <chrono>
#include <future>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/pty.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

// A long "build" that waits for the test's word, and a gate beside it that
// nothing else holds up; `after` needs both.
const char* kWorkflow = R"(name: t
vars:
  out: /nonexistent
steps:
  - id: build
    uses: exec
    with: {argv: [sh, -c, "while [ ! -f ${vars.out}/go ]; do sleep 0.05; done; echo built > ${vars.out}/built"]}
  - id: green-light
    uses: gate
    needs: []
    with: {message: "the builders are green"}
  - id: after
    uses: exec
    needs: [build, green-light]
    with: {argv: [sh, -c, "echo after > ${vars.out}/after"]}
)";

struct Fixture {
  Fixture() {
    relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
    fs::create_directories(dir / "out");
    write_file(dir / "wf.yaml", kWorkflow);
  }
  fs::path state() const { return dir / "state"; }
  std::vector<std::string> rehearse_args() const {
    return {"rehearse",    "3.12.0",
            "--repo",      (dir / "repo").string(),
            "--workflow",  (dir / "wf.yaml").string(),
            "--var",       "out=" + (dir / "out").string(),
            "--state-dir", state().string(),
            "--jobs",      "2"};
  }
  bool has_event(const std::string& event, const std::string& step) const {
    if (!fs::exists(state() / "journal.jsonl")) return false;
    for (const auto& e : relman::test::journal_events(state()))
      if (e.value("event", "") == event && e.value("step", "") == step) return true;
    return false;
  }
  bool wait_for(const std::string& event, const std::string& step, std::chrono::seconds limit) const {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (has_event(event, step)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  TempDir dir;
};

}  // namespace

TEST(Approve, WhileAnotherRelmanDrivesTheRunTheGatePassesWithoutARestart) {
  Fixture f;
  auto driver = std::async(std::launch::async, [&] { return relman::test::relman(f.rehearse_args(), f.dir.path()); });
  ASSERT_TRUE(f.wait_for("step_waiting", "green-light", std::chrono::seconds(30))) << "the gate never waited";
  ASSERT_TRUE(f.has_event("step_started", "build"));

  // The build still runs, holding the lock: the approval is handed over.
  Ran a = relman::test::relman_on(f.state(), {"approve", "green-light", "--as", "Ann Example <ann@example.org>"},
                                  f.dir.path());
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_THAT(a.out, HasSubstr("another relman (pid")) << a.out;
  EXPECT_THAT(a.out, HasSubstr("green-light approved by Ann Example <ann@example.org>")) << a.out;
  EXPECT_FALSE(f.has_event("step_succeeded", "build")) << "the approval must be taken while the build runs";

  write_file(f.dir / "out" / "go", "");
  Ran d = driver.get();
  EXPECT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_THAT(d.out, HasSubstr("green-light approved by Ann Example")) << d.out;
  EXPECT_TRUE(fs::exists(f.dir / "out" / "after"));

  // Journaled once, by the driver, before the build ended, marked as handed over.
  int approvals = 0;
  uint64_t approved_seq = 0, built_seq = 0;
  for (const auto& e : relman::test::journal_events(f.state())) {
    if (e["event"] == "step_approved") {
      ++approvals;
      approved_seq = e["seq"].get<uint64_t>();
      EXPECT_EQ(e["by"], "Ann Example <ann@example.org>");
      EXPECT_TRUE(e.contains("handed_over")) << e.dump();
    }
    if (e["event"] == "step_succeeded" && e["step"] == "build") built_seq = e["seq"].get<uint64_t>();
  }
  EXPECT_EQ(approvals, 1);
  EXPECT_LT(approved_seq, built_seq);
  EXPECT_TRUE(fs::is_empty(f.state() / "requests"));
}

// The driving relman asks at the gate on its terminal; the release manager
// approves from another terminal instead of typing here. The question is
// withdrawn and the run goes on, with nobody pressing a key.
TEST(Approve, AnApprovalFromAnotherTerminalWithdrawsTheQuestionAtTheGate) {
  Fixture f;
  Ran a;
  std::vector<relman::test::PtyCue> cues = {
      {"Approve and continue? [y/N]", [&] {
         a = relman::test::relman_on(f.state(), {"approve", "green-light", "--as", "Bob Example <bob@example.org>"},
                                     f.dir.path());
         write_file(f.dir / "out" / "go", "");
       }}};
  auto d = relman::test::relman_on_terminal(f.rehearse_args(), f.dir.path(), cues, std::chrono::seconds(60));
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_THAT(a.out, HasSubstr("another relman (pid")) << a.out;
  EXPECT_EQ(d.answered, 1u) << d.transcript;
  EXPECT_EQ(d.exit_code, 0) << d.transcript;
  EXPECT_THAT(d.transcript, HasSubstr("green-light approved by Bob Example")) << d.transcript;
  EXPECT_TRUE(fs::exists(f.dir / "out" / "after"));
  int approvals = 0;
  for (const auto& e : relman::test::journal_events(f.state()))
    if (e["event"] == "step_approved") {
      ++approvals;
      EXPECT_EQ(e["by"], "Bob Example <bob@example.org>");
      EXPECT_TRUE(e.contains("handed_over")) << e.dump();
    }
  EXPECT_EQ(approvals, 1);
  EXPECT_FALSE(f.has_event("step_waiting", "green-light"))
      << "the gate was approved while it was asked, not left waiting";
}

TEST(Approve, AHandedOverApprovalLeftBehindIsRecordedByTheNextCommand) {
  Fixture f;
  // The gate waits and the run stops (exit 3) once the build is done.
  write_file(f.dir / "out" / "go", "");
  Ran first = relman::test::relman(f.rehearse_args(), f.dir.path());
  ASSERT_EQ(first.exit_code, 3) << first.out << first.err;
  // Hold the lock with a process that never looks at requests: flock(1).
  auto holder = std::async(std::launch::async, [&] {
    return relman::test::sh("flock -x " + relman::test::quote((f.state() / "lock").string()) + " sleep 1.5");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Ran a = relman::test::relman_on(f.state(), {"approve", "green-light", "--as", "Bo", "--wait", "0"}, f.dir.path());
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_THAT(a.out, HasSubstr("not taken yet")) << a.out;
  holder.get();
  EXPECT_FALSE(f.has_event("step_approved", "green-light"));
  Ran r = relman::test::relman_on(f.state(), {"resume"}, f.dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(f.has_event("step_approved", "green-light"));
  EXPECT_TRUE(fs::exists(f.dir / "out" / "after"));
}

TEST(Approve, WhoApprovedIsGitsIdentityThenUserAndARealRunRefusesNobody) {
  Fixture f;
  write_file(f.dir / "out" / "go", "");
  std::map<std::string, std::string> env = {{"HOME", (f.dir / "home").string()}, {"GIT_CONFIG_NOSYSTEM", "1"}};
  fs::create_directories(f.dir / "home");
  ASSERT_EQ(relman::test::relman(f.rehearse_args(), f.dir.path(), env).exit_code, 3);
  // The sandbox's clone carries the repository's user.name/email.
  Ran a = relman::test::sh("env -u USER HOME=" + relman::test::quote((f.dir / "home").string()) +
                               " GIT_CONFIG_NOSYSTEM=1 " + relman::test::quote(RELMAN_BINARY) +
                               " approve green-light --state-dir " + relman::test::quote(f.state().string()),
                           f.dir.path());
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_THAT(a.out, HasSubstr("approved by Test Releaser <rm@example.org>")) << a.out;
  EXPECT_THAT(a.out, Not(HasSubstr("unknown"))) << a.out;

  // A real run started with no --as, no git identity and no $USER is refused
  // before anything is recorded.
  TempDir bare;
  relman::test::sh_ok(
      "git init -q -b main repo && cd repo && git -c user.name=x -c user.email=y commit -q "
      "--allow-empty -m init",
      bare.path());
  fs::create_directories(bare / "home");
  write_file(bare / "wf.yaml", "name: t\nsteps:\n  - id: one\n    uses: exec\n    with: {argv: [true]}\n");
  Ran s = relman::test::sh("env -u USER HOME=" + relman::test::quote((bare / "home").string()) +
                               " GIT_CONFIG_NOSYSTEM=1 " + relman::test::quote(RELMAN_BINARY) +
                               " start 3.12.0 --execute --repo repo --workflow wf.yaml --state-dir st",
                           bare.path());
  EXPECT_EQ(s.exit_code, 2) << s.out << s.err;
  EXPECT_THAT(s.err, HasSubstr("cannot tell who you are")) << s.err;
  EXPECT_THAT(s.err, HasSubstr("--as")) << s.err;
  EXPECT_FALSE(fs::exists(bare / "st" / "journal.jsonl"));
  // The same with $USER set starts, and records the operator.
  Ran ok = relman::test::sh("USER=carol HOME=" + relman::test::quote((bare / "home").string()) +
                                " GIT_CONFIG_NOSYSTEM=1 " + relman::test::quote(RELMAN_BINARY) +
                                " start 3.12.0 --execute --repo repo --workflow wf.yaml --state-dir st",
                            bare.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto events = relman::test::journal_events(bare / "st");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["settings"]["operator"], "carol");
}

// A gate asked at the terminal names its approver by the same rule as
// `relman approve`: a rehearsal falls back to the account, a real run that
// cannot tell who is there does not ask and the gate waits.
TEST(Approve, AGateAtTheTerminalFollowsTheSameIdentityRule) {
  TempDir bare;
  relman::test::sh_ok(
      "git init -q -b main repo && cd repo && git -c user.name=x -c user.email=y commit -q "
      "--allow-empty -m init",
      bare.path());
  fs::create_directories(bare / "home");
  write_file(bare / "wf.yaml",
             "name: t\nsteps:\n  - id: one\n    uses: exec\n    with: {argv: [true]}\n"
             "  - id: green-light\n    uses: gate\n");
  const std::map<std::string, std::string> nobody = {
      {"USER", ""}, {"HOME", (bare / "home").string()}, {"GIT_CONFIG_NOSYSTEM", "1"}};
  const std::vector<relman::test::PtyCue> yes = {{"Approve and continue? [y/N]", "y"}};

  auto reh = relman::test::relman_on_terminal(
      {"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "reh"}, bare.path(), yes,
      std::chrono::seconds(60), 0, nobody);
  EXPECT_EQ(reh.exit_code, 0) << reh.transcript;
  EXPECT_THAT(reh.transcript, HasSubstr("no name configured)")) << reh.transcript;
  bool approved = false;
  for (const auto& e : relman::test::journal_events(bare / "reh"))
    if (e.value("event", "") == "step_approved") {
      approved = true;
      EXPECT_THAT(e.value("by", ""), HasSubstr("no name configured")) << e.dump();
    }
  EXPECT_TRUE(approved);

  // A real run started by carol, resumed at a terminal by nobody.
  Ran start = relman::test::sh("USER=carol HOME=" + relman::test::quote((bare / "home").string()) +
                                   " GIT_CONFIG_NOSYSTEM=1 " + relman::test::quote(RELMAN_BINARY) +
                                   " start 3.12.0 --execute --repo repo --workflow wf.yaml --state-dir st",
                               bare.path());
  ASSERT_EQ(start.exit_code, 3) << start.out << start.err;  // the gate: no terminal to ask on
  auto real = relman::test::relman_on_terminal({"resume", "--state-dir", "st"}, bare.path(), yes,
                                               std::chrono::seconds(60), 0, nobody);
  EXPECT_EQ(real.exit_code, 3) << real.transcript;
  EXPECT_EQ(real.answered, 0u) << real.transcript;
  EXPECT_THAT(real.transcript, HasSubstr("cannot tell who you are")) << real.transcript;
  EXPECT_THAT(real.transcript, HasSubstr("relman approve green-light")) << real.transcript;
  for (const auto& e : relman::test::journal_events(bare / "st"))
    EXPECT_NE(e.value("event", ""), "step_approved") << e.dump();
}
