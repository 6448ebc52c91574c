// Where relman's temporary files go: never where git, an export or an
// upload listing can see them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapters/artifact_file.h"
#include "adapters/durable.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

size_t entries(const fs::path& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); it != fs::directory_iterator(); ++it) ++n;
  return n;
}

TEST(TempPlaces, WorkTreeFilesUseTheGitDirAndRunFilesTheStateDir) {
  TempDir dir;
  make_repo(dir / "repo", {{"Include/patchlevel.h", "old\n"}});
  auto state = dir / "state";
  write_file(state / "journal.jsonl", "");
  fs::create_directories(state / "sandbox" / "outbox");
  EXPECT_EQ(durable::temp_dir_for(dir / "repo" / "Include" / "patchlevel.h"), dir / "repo" / ".git" / "relman" / "tmp");
  EXPECT_EQ(durable::temp_dir_for(state / "artifacts" / "Python-3.12.0.tgz"), state / "tmp");
  EXPECT_EQ(durable::temp_dir_for(state / "sandbox" / "outbox" / "announce-1.json"), state / "tmp");
  EXPECT_EQ(durable::temp_dir_for(dir / "elsewhere" / "report.html"), dir / "elsewhere");
  // A linked worktree's .git is a file naming its own git directory.
  sh_ok("git worktree add -q ../wt -b other", dir / "repo");
  EXPECT_EQ(durable::temp_dir_for(dir / "wt" / "README"),
            dir / "repo" / ".git" / "worktrees" / "wt" / "relman" / "tmp");

  durable::write_atomic(dir / "repo" / "Include" / "patchlevel.h", "new\n");
  EXPECT_EQ(read_file(dir / "repo" / "Include" / "patchlevel.h"), "new\n");
  EXPECT_EQ(sh_ok("git status --porcelain", dir / "repo"), " M Include/patchlevel.h\n");
}

TEST(TempPlaces, AProcessKilledBetweenWriteAndRenameLeavesTheWorkTreeAndArtifactsClean) {
  TempDir dir;
  make_repo(dir / "repo", {{"README.rst", "This is Python\n"}});
  auto state = dir / "state";
  write_file(state / "journal.jsonl", "");
  fs::create_directories(state / "artifacts");
  // The child writes its temporary files, then dies by SIGKILL before any
  // rename: what an interrupted cpython.bump or export leaves.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto tmp = durable::temp_path_for(dir / "repo" / "README.rst");
    durable::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT, 0644));
    durable::write_all(fd.get(), "half");
    ArtifactFile tgz(state / "artifacts" / "Python-3.12.0.tgz");
    tgz.write("x", 1);
    ::kill(::getpid(), SIGKILL);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(sh_ok("git status --porcelain --ignored", dir / "repo"), "");
  EXPECT_EQ(entries(state / "artifacts"), 0u);
  EXPECT_EQ(entries(dir / "repo" / ".git" / "relman" / "tmp"), 1u);
  EXPECT_EQ(entries(state / "tmp"), 1u);

  // The next process cleans both places: all of the run's own tmp/ (it holds
  // the run's lock), and in the shared git dir what dead processes left.
  auto mine = durable::temp_path_for(dir / "repo" / "README.rst");
  write_file(mine, "in progress");
  auto removed = durable::remove_stale_temp_files(dir / "repo" / ".git" / "relman" / "tmp", false);
  EXPECT_EQ(removed.size(), 1u);
  EXPECT_TRUE(fs::exists(mine)) << "a live process's temporary file was removed";
  EXPECT_EQ(durable::remove_stale_temp_files(state / "tmp", true).size(), 1u);
  EXPECT_EQ(entries(state / "tmp"), 0u);
}

TEST(TempPlaces, RecognisesWhatOlderRelmanLeftBesideItsTargets) {
  EXPECT_TRUE(durable::is_temp_name(".tmp.patchlevel.h.3735928559"));
  EXPECT_TRUE(durable::is_temp_name(".Python-3.12.0.tgz.tmp.a1B2c3"));
  EXPECT_TRUE(durable::is_temp_name(".part.Python-3.12.0.tgz"));
  EXPECT_FALSE(durable::is_temp_name("patchlevel.h"));
  EXPECT_FALSE(durable::is_temp_name(".gitignore"));
  EXPECT_FALSE(durable::is_temp_name(".tmpfiles"));
}

}  // namespace
}  // namespace relman::test
