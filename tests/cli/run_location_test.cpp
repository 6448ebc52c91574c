// Where runs live ($GIT_DIR/relman/, never the work tree) and how every
// command finds one: from the repository, its subdirectories, a rehearsal's
// sandbox, $RELMAN_STATE_DIR or --state-dir; several runs are listed.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/names.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// A repository with a subdirectory, and a workflow outside it: a step, a
// gate, a step.
struct Project {
  TempDir dir;
  fs::path repo = dir / "repo";
  fs::path wf = dir / "wf.yaml";
  Project() {
    relman::test::make_repo(repo, {{"README", "sample\n"}, {"Lib/deep/mod.py", "x = 1\n"}});
    write_file(wf,
               "name: t\nsteps:\n"
               "  - id: one\n    uses: exec\n    with: {argv: [\"true\"]}\n"
               "  - id: hold\n    uses: gate\n    with: {message: wait}\n"
               "  - id: two\n    uses: exec\n    with: {argv: [sh, -c, \"test -f FAIL && exit 1 || true\"]}\n");
  }
  Ran relman(const std::vector<std::string>& args, const fs::path& cwd,
             const std::map<std::string, std::string>& env = {}) const {
    return relman::test::relman(args, cwd, env);
  }
};

}  // namespace

TEST(RunLocation, ARehearsalLivesInTheGitDirAndIsFoundFromAnywhereInTheRepositoryAndItsSandbox) {
  Project p;
  auto first = p.relman({"rehearse", "3.12.0", "--workflow", p.wf.string()}, p.repo / "Lib" / "deep");
  ASSERT_EQ(first.exit_code, 3) << first.out << first.err;
  auto state = p.repo / ".git" / "relman" / "rehearse-3.12.0";
  ASSERT_TRUE(fs::exists(state / "journal.jsonl"));
  // Nothing of relman's in the clone: not even an ignored file.
  EXPECT_EQ(sh_ok("git status --porcelain --ignored", p.repo), "");
  EXPECT_FALSE(fs::exists(p.repo / "release-state"));
  EXPECT_FALSE(fs::exists(p.repo / "Lib" / "deep" / "release-state"));
  // The next command is the shortest that works from here: no --state-dir.
  EXPECT_TRUE(has(first.out, "approve with: relman approve hold\n")) << first.out;

  for (const auto& where : {p.repo, p.repo / "Lib", p.repo / "Lib" / "deep"}) {
    auto st = p.relman({"status", "--json"}, where);
    ASSERT_EQ(st.exit_code, 0) << where << st.err;
    EXPECT_EQ(fs::path(json::parse(st.out)["state_dir"].get<std::string>()), state) << where;
  }
  // From inside the sandbox's workspace (a clone with its own .git), the
  // run is the one whose sandbox it is.
  auto ws = state / "sandbox" / "workspace";
  ASSERT_TRUE(fs::is_directory(ws / "Lib" / "deep"));
  auto approved = p.relman({"approve", "hold", "--as", "rm"}, ws / "Lib" / "deep");
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_TRUE(has(approved.out, "continue with: relman resume\n")) << approved.out;
  auto done = p.relman({"resume"}, ws);
  EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  for (const auto& args : std::vector<std::vector<std::string>>{{"log", "one"}, {"report"}, {"verify"}})
    EXPECT_EQ(p.relman(args, ws / "Lib").exit_code, 0) << args[0];

  // Outside any repository there is nothing to find, and the error says what to do.
  auto lost = p.relman({"status"}, p.dir.path());
  EXPECT_EQ(lost.exit_code, 2);
  EXPECT_TRUE(has(lost.err, "not in a git repository")) << lost.err;
  EXPECT_TRUE(has(lost.err, "--state-dir")) << lost.err;
}

TEST(RunLocation, ARehearsalAndTheRealRunCoexistTheOneGoingIsMeantAndSeveralAreListed) {
  Project p;
  ASSERT_EQ(p.relman({"rehearse", "3.12.0", "--workflow", p.wf.string(), "--auto-approve"}, p.repo).exit_code, 0);
  write_file(p.repo / "FAIL", "");
  sh_ok("git add FAIL && git commit -qm fail", p.repo);
  auto real = p.relman({"start", "3.12.0", "--execute", "--workflow", p.wf.string(), "--auto-approve"}, p.repo);
  ASSERT_EQ(real.exit_code, 1) << real.out << real.err;
  EXPECT_TRUE(fs::exists(p.repo / ".git" / "relman" / "3.12.0" / "journal.jsonl"));
  // Two runs here now, one finished: the one still going is the one meant,
  // so the summary's command needs no option, and each command says which.
  EXPECT_TRUE(has(real.out, "next: fix the two step (relman log two), then: relman resume\n")) << real.out;
  auto meant = p.relman({"status", "--json"}, p.repo / "Lib");
  ASSERT_EQ(meant.exit_code, 0) << meant.err;
  EXPECT_EQ(json::parse(meant.out)["mode"], "execute");
  EXPECT_TRUE(has(meant.err, "run 3.12.0 (the only one not finished; rehearse-3.12.0 finished")) << meant.err;

  // A second run not finished (a rehearsal of 3.12.1, failing too): now
  // relman cannot tell, and lists them.
  auto other = p.relman({"rehearse", "3.12.1", "--workflow", p.wf.string(), "--auto-approve"}, p.repo);
  ASSERT_EQ(other.exit_code, 1) << other.out << other.err;
  EXPECT_TRUE(has(other.out, "relman resume --run rehearse-3.12.1")) << other.out;
  auto which = p.relman({"status"}, p.repo / "Lib");
  EXPECT_EQ(which.exit_code, 2) << which.out;
  EXPECT_TRUE(has(which.err, "3 runs in")) << which.err;
  for (const char* want :
       {"rehearse-3.12.0", "rehearse-3.12.1", "3.12.0", "rehearse", "execute", "finished", "failed at two", "--run"})
    EXPECT_TRUE(has(which.err, want)) << want << "\n" << which.err;
  auto chosen = p.relman({"status", "--json", "--run", "3.12.0"}, p.repo / "Lib");
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  EXPECT_EQ(json::parse(chosen.out)["mode"], "execute");
  auto typo = p.relman({"status", "--run", "3.12.1"}, p.repo);
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_TRUE(has(typo.err, "there is no run '3.12.1'")) << typo.err;
  EXPECT_TRUE(has(typo.err, "rehearse-3.12.0")) << typo.err;
}

TEST(RunLocation, StateDirAndTheEnvironmentVariableStillChooseTheDirectory) {
  Project p;
  auto elsewhere = p.dir / "runs" / "r1";
  std::map<std::string, std::string> env = {{"RELMAN_STATE_DIR", elsewhere.string()}};
  auto r = p.relman({"rehearse", "3.12.0", "--workflow", p.wf.string()}, p.repo, env);
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(fs::exists(elsewhere / "journal.jsonl"));
  EXPECT_FALSE(fs::exists(p.repo / ".git" / "relman" / "rehearse-3.12.0"));
  // With the variable set, the plain command is the right one.
  EXPECT_TRUE(has(r.out, "approve with: relman approve hold\n")) << r.out;
  EXPECT_EQ(p.relman({"status"}, p.dir.path(), env).exit_code, 0);
  // Without it, from the repository: --state-dir names it.
  auto st = p.relman({"status"}, p.repo);
  EXPECT_EQ(st.exit_code, 2);
  EXPECT_EQ(p.relman({"status", "--state-dir", elsewhere.string()}, p.repo).exit_code, 0);
  auto approve = p.relman({"approve", "hold", "--state-dir", elsewhere.string()}, p.dir.path());
  ASSERT_EQ(approve.exit_code, 0) << approve.err;
  EXPECT_TRUE(has(approve.out, "relman resume --state-dir runs/r1")) << approve.out;
}

TEST(RunLocation, AStateDirInsideTheWorkTreeNeverEntersTheCommitTheTagOrTheTarball) {
  // Defence in depth: even with --state-dir pointing into the clone, the
  // release commit takes only what the steps changed, and the tarball is the tag.
  TempDir dir;
  auto project = relman::test::make_sample_project(dir.path(), "3.12.0");
  auto wf = dir / "wf.yaml";
  write_file(wf,
             "name: inside\nvars: {project: Minipy}\nsteps:\n"
             "  - id: require-clean\n    uses: git.require_clean\n"
             "  - id: bump\n    uses: cpython.bump\n    with: {project: \"${vars.project}\"}\n"
             "  - id: commit\n    uses: git.commit\n"
             "    with: {message: \"${vars.project} ${release.version}\", paths: [\"${steps.bump.outputs.files}\", "
             "Misc/NEWS.d]}\n"
             "  - id: tag\n    uses: git.tag\n    with: {name: v3.12.0, message: Minipy 3.12.0, sign: false}\n"
             "  - id: export\n    uses: archive.export\n    with: {ref: v3.12.0, prefix: Minipy-3.12.0}\n");
  auto r = relman::test::relman(
      {"start", "3.12.0", "--execute", "--workflow", wf.string(), "--state-dir", "relstate/3.12.0"}, project.repo);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto state = project.repo / "relstate" / "3.12.0";
  ASSERT_TRUE(fs::exists(state / "journal.jsonl"));
  EXPECT_EQ(sh_ok("git show --name-only --format= HEAD", project.repo), "Include/patchlevel.h\nREADME.rst\n");
  EXPECT_EQ(sh_ok("git ls-tree -r --name-only v3.12.0 | grep -c relstate || true", project.repo), "0\n");
  std::string listing = sh_ok("tar tzf " + relman::test::quote((state / "artifacts" / "Minipy-3.12.0.tgz").string()));
  EXPECT_TRUE(has(listing, "Minipy-3.12.0/Include/patchlevel.h")) << listing;
  EXPECT_FALSE(has(listing, "relstate")) << listing;
  EXPECT_FALSE(has(listing, "journal.jsonl")) << listing;
  EXPECT_FALSE(has(listing, ".tmp")) << listing;
  // The state directory is still there, uncommitted, for the release manager to move.
  EXPECT_EQ(sh_ok("git status --porcelain", project.repo), "?? relstate/\n");
}
