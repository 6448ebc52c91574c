// What a killed relman leaves, cleared by the next one: a stale
// .git/index.lock or ref lock of its own git step, temporary files in its temp places.
// The crash is made by writing what the journal holds when relman dies
// inside git.commit: the step started, never ended.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/names.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct KilledInCommit {
  TempDir dir;
  fs::path repo = dir / "repo";
  fs::path state = repo / ".git" / "relman" / "3.12.0";
  fs::path lock = repo / ".git" / "index.lock";

  fs::path remote = dir / "remote.git";

  // A real run up to its gate, then the events a later `resume` journals
  // before relman is killed in the middle of `killed_in` (git.commit, or
  // git.push to a bare repository on this machine).
  explicit KilledInCommit(const std::string& killed_in = "commit") {
    relman::test::make_repo(repo, {{"README", "v1\n"}});
    sh_ok("git init -q --bare " + relman::test::quote(remote.string()) + " && git remote add mirror " +
              relman::test::quote(remote.string()),
          repo);
    write_file(dir / "wf.yaml",
               "name: t\nsteps:\n"
               "  - id: edit\n    uses: exec\n    with: {argv: [sh, -c, \"echo v2 > README\"]}\n"
               "  - id: hold\n    uses: gate\n    with: {message: wait}\n"
               "  - id: commit\n    uses: git.commit\n    with: {message: Release, paths: [README]}\n"
               "  - id: push\n    uses: git.push\n    with: {remote: mirror, refs: [main]}\n");
    auto r = relman({"start", "3.12.0", "--execute", "--workflow", (dir / "wf.yaml").string()});
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    auto events = relman::test::journal_events(state);
    int64_t seq = events.back()["seq"].get<int64_t>();
    std::ofstream out(state / "journal.jsonl", std::ios::app);
    auto event = [&](json e) {
      e["v"] = 1;
      e["seq"] = ++seq;
      e["t_ms"] = now_ms();
      e["time"] = events.back()["time"];
      out << e.dump() << "\n";
    };
    event({{"event", "step_approved"}, {"step", "hold"}, {"by", "rm"}});
    event({{"event", "step_succeeded"}, {"step", "hold"}, {"outputs", {{"approved_by", "rm"}}}});
    if (killed_in == "push") {
      out.flush();
      sh_ok("git commit -qam Release", repo);  // what the commit step did
      event({{"event", "step_started"}, {"step", "commit"}, {"attempt", 1}, {"uses", "git.commit"}});
      event({{"event", "step_succeeded"}, {"step", "commit"}, {"outputs", json::object()}});
    }
    event({{"event", "step_started"}, {"step", killed_in}, {"attempt", 1}, {"uses", "git." + killed_in}});
  }
  Ran relman(const std::vector<std::string>& args) const { return relman::test::relman(args, repo); }
};

}  // namespace

TEST(Recover, AStaleIndexLockOfRelmansOwnInterruptedGitStepIsRemovedOnResume) {
  KilledInCommit k;
  auto st = k.relman({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  ASSERT_EQ(json::parse(st.out)["steps"][2]["state"], "running") << st.out;
  write_file(k.lock, "");  // what libgit2 left when the process died
  // git itself refuses to work while it is there.
  EXPECT_NE(sh("git add README", k.repo).exit_code, 0);

  auto r = k.relman({"resume", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "removed the stale " + k.lock.string())) << r.out;
  EXPECT_FALSE(fs::exists(k.lock));
  EXPECT_TRUE(has(read_file(k.state / "logs" / "commit.log"), "removed the stale")) << "no line in the step's log";
  EXPECT_EQ(sh_ok("git log -1 --format=%s", k.repo), "Release\n");
  EXPECT_EQ(sh_ok("git status --porcelain", k.repo), "");
}

TEST(Recover, AnIndexLockSomeoneMayStillHoldStopsTheResumeWithWhatToDo) {
  KilledInCommit k;
  write_file(k.lock, "");
  // Held open by a live process: a git command of the release manager's.
  std::string pid = sh_ok("nohup sh -c 'exec 3>>.git/index.lock; sleep 30' >/dev/null 2>&1 & echo $!", k.repo);
  pid.pop_back();
  for (int i = 0; i < 50; ++i) {
    if (sh("ls -l /proc/" + pid + "/fd | grep -q index.lock").exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto held = k.relman({"resume", "--yes"});
  sh("kill " + pid);
  EXPECT_EQ(held.exit_code, 1) << held.out << held.err;
  EXPECT_TRUE(has(held.err, "is held open by a running process")) << held.err;
  EXPECT_TRUE(has(held.err, "rm " + k.lock.string())) << held.err;
  EXPECT_TRUE(fs::exists(k.lock));

  // Older than the step: not relman's.
  sh_ok("touch -d '2020-01-01 00:00' " + relman::test::quote(k.lock.string()));
  auto old = k.relman({"resume", "--yes"});
  EXPECT_EQ(old.exit_code, 1) << old.out << old.err;
  EXPECT_TRUE(has(old.err, "is older than that step")) << old.err;
  EXPECT_TRUE(fs::exists(k.lock));

  // Removed by hand as the message says: the run finishes.
  fs::remove(k.lock);
  EXPECT_EQ(k.relman({"resume", "--yes"}).exit_code, 0);
  EXPECT_EQ(sh_ok("git log -1 --format=%s", k.repo), "Release\n");
}

TEST(Recover, StaleRefAndHeadLocksOfTheInterruptedGitStepAreRemovedToo) {
  // Torture seed 851169948 trial 19: killed inside git.tag, which left
  // refs/tags/v3.12.0.lock; every resume then failed to lock the ref.
  KilledInCommit k;
  const std::string branch = sh_ok("git symbolic-ref --short HEAD", k.repo);
  auto head_lock = k.repo / ".git" / "HEAD.lock";
  auto branch_lock = k.repo / ".git" / "refs" / "heads" / (branch.substr(0, branch.size() - 1) + ".lock");
  auto tag_lock = k.repo / ".git" / "refs" / "tags" / "v3.12.0.lock";
  for (const auto& l : {head_lock, branch_lock, tag_lock}) write_file(l, "");
  EXPECT_NE(sh("git commit --allow-empty -m x", k.repo).exit_code, 0) << "git should refuse while the locks are there";

  auto r = k.relman({"resume", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& l : {head_lock, branch_lock, tag_lock}) {
    EXPECT_FALSE(fs::exists(l)) << l;
    EXPECT_TRUE(has(r.out, "removed the stale " + l.string())) << r.out;
  }
  EXPECT_EQ(sh_ok("git log -1 --format=%s", k.repo), "Release\n");
}

TEST(Recover, AStaleRefLockInALocalRemoteOfAnInterruptedPushIsRemovedToo) {
  // The sandbox's remotes and a throwaway release's are bare repositories on
  // this machine: a push killed while it wrote a ref leaves the lock there.
  KilledInCommit k("push");
  auto lock = k.remote / "refs" / "heads" / "main.lock";
  write_file(lock, "");
  auto r = k.relman({"resume", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(lock));
  EXPECT_TRUE(has(r.out, "removed the stale " + lock.string())) << r.out;
  EXPECT_EQ(sh_ok("git log -1 --format=%s main", k.remote), "Release\n");
}

TEST(Recover, OneLockSomeoneMayHoldKeepsEveryLockInPlace) {
  KilledInCommit k;
  auto tag_lock = k.repo / ".git" / "refs" / "tags" / "v3.12.0.lock";
  write_file(tag_lock, "");
  write_file(k.lock, "");
  sh_ok("touch -d '2020-01-01 00:00' " + relman::test::quote(k.lock.string()));
  auto r = k.relman({"resume", "--yes"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "rm " + k.lock.string())) << r.err;
  EXPECT_TRUE(fs::exists(k.lock));
  EXPECT_TRUE(fs::exists(tag_lock)) << "removed before the resume knew it could go on";
}

TEST(Recover, ResumeRemovesTheTemporaryFilesAKilledRelmanLeft) {
  KilledInCommit k;
  // A bump killed between write and rename, and an export killed mid-file.
  auto in_git = k.repo / ".git" / "relman" / "tmp" / "999999999-1-README";
  auto in_state = k.state / "tmp" / "999999999-Python-3.12.0.tgz.a1b2c3";
  write_file(in_git, "half");
  write_file(in_state, "half");
  EXPECT_EQ(sh_ok("git status --porcelain --ignored", k.repo), " M README\n");
  auto r = k.relman({"resume", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(in_git));
  EXPECT_FALSE(fs::exists(in_state));
  EXPECT_TRUE(has(r.out, "removed " + in_git.string())) << r.out;
  EXPECT_TRUE(has(r.out, "removed " + in_state.string())) << r.out;
  EXPECT_EQ(sh_ok("git show --name-only --format= HEAD", k.repo), "README\n");
}
