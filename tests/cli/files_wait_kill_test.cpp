// files.wait through the real binary: killed with SIGKILL while it waits
// on a real sshd, then resumed once the files are there.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/shell.h"
#include "support/sshd.h"
#include "support/temp_dir.h"
#include "test_paths.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using relman::test::write_file;

int count(const std::vector<json>& events, const std::string& event, const std::string& step) {
  int n = 0;
  for (const auto& e : events)
    if (e.value("event", "") == event && e.value("step", "") == step) ++n;
  return n;
}

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

  std::vector<std::string> words = {RELMAN_BINARY, "rehearse", "3.12.0", "--workflow", (dir / "wf.yaml").string()};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addchdir_np(&fa, (dir / "repo").c_str());
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, RELMAN_BINARY, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  // Kill it once it has been waiting for a couple of looks.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  bool ended = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    }
    if (fs::exists(state / "journal.jsonl") && count(relman::test::journal_events(state), "step_started", "wait") == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(ended) << "relman ended before it waited: exit status " << status;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "relman was not waiting when killed";
  EXPECT_EQ(count(relman::test::journal_events(state), "step_succeeded", "wait"), 0);

  // The experts' files arrive; the resumed run sees them and finishes.
  fs::create_directories(folder);
  write_file(folder / "python-3.12.0.exe", "exe");
  write_file(folder / "python-3.12.0-macos11.pkg", "pkg");
  auto resumed = relman::test::relman({"resume"}, dir / "repo");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  auto events = relman::test::journal_events(state);
  EXPECT_EQ(count(events, "step_succeeded", "wait"), 1);
  EXPECT_EQ(count(events, "step_failed", "wait"), 0);
}

}  // namespace
