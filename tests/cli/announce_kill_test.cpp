// The announcement through the real binary: killed with SIGKILL while
// Discourse is answering the POST that created the topic, then resumed:
// the resumed run finds the topic and posts nothing more.
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
#include "support/script_server.h"
#include "support/shell.h"
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

TEST(AnnounceKill, APostKilledWithSigkillAfterDiscourseMadeTheTopicIsNotPostedAgain) {
  relman::test::ScriptServer discourse(
      "fake_discourse.py",
      json{{"faults", {{{"path", "/posts.json"}, {"action", "delay_after_create"}, {"seconds", 60}, {"times", 1}}}}});
  relman::test::TempDir dir;
  relman::test::ScopedEnv key{"DISCOURSE_API_KEY", "test-discourse-key"};
  relman::test::ScopedEnv creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};
  relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
  write_file(dir / "wf.yaml", "name: t\nsteps:\n  - id: announce\n    uses: announce\n    with: {discourse: \"" +
                                  discourse.url() +
                                  "\", category: 5, tags: [release], api_username: release-bot, "
                                  "template: \"Minipy {{version}} is out, with everything it promised.\\n\"}\n");
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
  // Kill it once Discourse holds the topic but has not answered yet.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  bool ended = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    }
    if (!discourse.control("posts").empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(ended) << "relman ended before it posted: exit status " << status;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "relman was not posting when killed";
  auto events = relman::test::journal_events(state);
  EXPECT_EQ(count(events, "step_succeeded", "announce"), 0);
  ASSERT_EQ(discourse.control("posts").size(), 1u);

  auto resumed = relman::test::relman({"resume"}, dir / "repo");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  events = relman::test::journal_events(state);
  EXPECT_EQ(count(events, "step_succeeded", "announce"), 1);
  EXPECT_EQ(discourse.control("posts").size(), 1u) << "the announcement was posted twice";
  int posts_sent = 0;
  for (const auto& r : discourse.control("requests"))
    if (r["method"] == "POST" && r["path"] == "/posts.json") ++posts_sent;
  EXPECT_EQ(posts_sent, 1);
}

}  // namespace
