// files.wait through the real binary: killed with SIGKILL while it waits
// on a real sshd, then resumed once the files are there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/relman_process.h"
#include "support/shell.h"
#include "support/sshd.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using relman::test::count_events;
using relman::test::write_file;

TEST(FilesWaitKill, AWaitKilledWithSigkillResumesAndFinishesOnceTheFilesAreThere) {
  relman::test::SshServer server;
  relman::test::ScopedEnv key{"RELMAN_SSH_KEY", server.user_key().string()};
  relman::test::ScopedEnv known{"RELMAN_SSH_KNOWN_HOSTS", server.known_hosts().string()};
  relman::test::TempDir dir;
  relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
  const fs::path folder = server.root() / "3.12.0";
  write_file(dir / "wf.yaml", "name: t\nsteps:\n  - id: wait\n    uses: files.wait\n    with: {url: \"" +
                                  server.url(folder.string() + "/") +
                                  "\", files: [python-3.12.0.exe, python-3.12.0-macos11.pkg], interval: 1, timeout: "
                                  "600}\n");
  const fs::path state = dir / "repo" / ".git" / "relman" / "rehearse-3.12.0";

  relman::test::RelmanProcess run({"rehearse", "3.12.0", "--workflow", (dir / "wf.yaml").string()}, dir / "repo");
  // Kill it once it has been waiting for a couple of looks.
  const bool waiting = run.wait_until(
      [&] {
        return fs::exists(state / "journal.jsonl") &&
               count_events(relman::test::journal_events(state), "step_started", "wait") == 1;
      },
      std::chrono::milliseconds(20));
  ASSERT_TRUE(waiting) << "relman ended before it waited: exit status " << run.status();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_TRUE(run.kill_now()) << "relman was not waiting when killed";
  EXPECT_EQ(count_events(relman::test::journal_events(state), "step_succeeded", "wait"), 0);

  // The experts' files arrive; the resumed run sees them and finishes.
  fs::create_directories(folder);
  write_file(folder / "python-3.12.0.exe", "exe");
  write_file(folder / "python-3.12.0-macos11.pkg", "pkg");
  auto resumed = relman::test::relman({"resume"}, dir / "repo");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  auto events = relman::test::journal_events(state);
  EXPECT_EQ(count_events(events, "step_succeeded", "wait"), 1);
  EXPECT_EQ(count_events(events, "step_failed", "wait"), 0);
}

}  // namespace
