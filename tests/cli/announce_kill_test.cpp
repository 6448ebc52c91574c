// The announcement through the real binary: killed with SIGKILL while
// Discourse is answering the POST that created the topic, then resumed:
// the resumed run finds the topic and posts nothing more.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/relman_process.h"
#include "support/script_server.h"
#include "support/shell.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using relman::test::count_events;
using relman::test::write_file;

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

  relman::test::RelmanProcess run({"rehearse", "3.12.0", "--workflow", (dir / "wf.yaml").string()}, dir / "repo");
  // Kill it once Discourse holds the topic but has not answered yet.
  const bool posted =
      run.wait_until([&] { return !discourse.control("posts").empty(); }, std::chrono::milliseconds(20));
  ASSERT_TRUE(posted) << "relman ended before it posted: exit status " << run.status();
  ASSERT_TRUE(run.kill_now()) << "relman was not posting when killed";
  auto events = relman::test::journal_events(state);
  EXPECT_EQ(count_events(events, "step_succeeded", "announce"), 0);
  ASSERT_EQ(discourse.control("posts").size(), 1u);

  auto resumed = relman::test::relman({"resume"}, dir / "repo");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  events = relman::test::journal_events(state);
  EXPECT_EQ(count_events(events, "step_succeeded", "announce"), 1);
  EXPECT_EQ(discourse.control("posts").size(), 1u) << "the announcement was posted twice";
  int posts_sent = 0;
  for (const auto& r : discourse.control("requests"))
    if (r["method"] == "POST" && r["path"] == "/posts.json") ++posts_sent;
  EXPECT_EQ(posts_sent, 1);
}

}  // namespace
