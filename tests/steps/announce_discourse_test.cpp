// announce as a Discourse topic, against tests/server/fake_discourse.py (a
// loopback stand-in that checks the headers and the body as Discourse does).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/script_server.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;

const std::string kKey = "test-discourse-key";

class AnnounceDiscourseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::fast_http_retries();
    auto a = dir / "state" / "artifacts";
    fs::create_directories(a);
    test::write_file(a / "Python-3.13.0.tgz", std::string(20000, 't'));
    test::write_file(a / "SHA256SUMS", test::sha256_hex(std::string(20000, 't')) + "  Python-3.13.0.tgz\n");
    test::write_file(dir / "blog-template.md", "Blog: {{project}} {{long_name}}\n\n{{artifacts}}");
  }
  std::unique_ptr<test::StepHarness> make(const std::string& discourse) {
    auto h = std::make_unique<test::StepHarness>("announce", dir.path(), dir / "state", "3.13.0");
    h->ctx().mode = RunMode::execute;
    h->with() = {{"discourse", discourse},
                 {"category", 5},
                 {"tags", {"release"}},
                 {"api_username", "release-bot"},
                 {"texts", {{"blog.md", "blog-template.md"}, {"mailing-list.txt", "{{title}}\n"}}},
                 {"links", {{"What's new", "https://docs.python.org/3.13/whatsnew/"}}}};
    return h;
  }
  json posts() const { return server.control("posts"); }

  test::TempDir dir;
  test::ScriptServer server{"fake_discourse.py"};
  test::ScopedEnv key{"DISCOURSE_API_KEY", kKey};
  test::ScopedEnv creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};
};

TEST_F(AnnounceDiscourseTest, PostsOneTopicThroughTheApiAndNeverASecond) {
  auto h = make(server.url());
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  auto out = h->run();
  EXPECT_TRUE(out["posted"].get<bool>());
  EXPECT_EQ(out["url"], server.url() + "/t/python-3-13-0-is-now-available/201");

  ASSERT_EQ(posts().size(), 1u);
  const json post = posts()[0];
  const std::string text = test::read_file(dir / "state" / "artifacts" / "announce.md");
  EXPECT_EQ(post["title"], "Python 3.13.0 is now available");
  EXPECT_EQ(post["raw"], text);
  EXPECT_THAT(text, HasSubstr("| Python-3.13.0.tgz | 20.0 kB |")) << text;
  EXPECT_EQ(post["category"], 5);
  EXPECT_EQ(post["tags"], json::array({"release"}));
  EXPECT_EQ(post["username"], "release-bot");
  for (const auto& r : server.control("requests")) {
    if (r["path"] != "/posts.json") continue;
    EXPECT_EQ(r["headers"].value("Api-Key", ""), kKey);
    EXPECT_EQ(r["headers"].value("Api-Username", ""), "release-bot");
  }

  // The other texts are files beside announce.md, not posted anywhere.
  EXPECT_THAT(test::read_file(dir / "state" / "artifacts" / "blog.md"),
              HasSubstr("Blog: Python 3.13.0\n\n| File | Size | SHA-256 |"));
  EXPECT_EQ(test::read_file(dir / "state" / "artifacts" / "mailing-list.txt"), "Python 3.13.0 is now available\n");
  EXPECT_EQ(out["texts"].size(), 2u);

  EXPECT_EQ(h->probe().result, ProbeResult::done);
  h->run();
  // A new attempt that lost the checkpoint finds the topic instead of
  // posting it again.
  auto fresh = make(server.url());
  auto again = fresh->run();
  EXPECT_TRUE(again["posted"].get<bool>());
  EXPECT_EQ(again["url"], out["url"]);
  EXPECT_THAT(fresh->log(), HasSubstr("already on Discourse"));
  EXPECT_EQ(posts().size(), 1u) << "posted twice";
}

TEST_F(AnnounceDiscourseTest, AWrongKeyIsRefusedClearlyAndPostsNothing) {
  test::ScopedEnv wrong{"DISCOURSE_API_KEY", "not-the-key-0123456789"};
  auto h = make(server.url());
  try {
    h->run();
    FAIL() << "a refused key went unnoticed";
  } catch (const UncertainError& e) {
    FAIL() << "a refusal is certain: " << e.what();
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 403"));
    EXPECT_THAT(e.what(), HasSubstr("Discourse refused the API key in DISCOURSE_API_KEY for user release-bot"));
    EXPECT_THAT(e.what(), Not(HasSubstr("not-the-key-0123456789")));
  }
  EXPECT_EQ(posts().size(), 0u);
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
}

TEST_F(AnnounceDiscourseTest, AMissingKeySaysWhereToPutIt) {
  ::unsetenv("DISCOURSE_API_KEY");
  auto h = make(server.url());
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("no Discourse API key")));
  EXPECT_EQ(posts().size(), 0u);
}

TEST_F(AnnounceDiscourseTest, DiscoursesRefusalOfTheBodyIsShown) {
  auto h = make(server.url());
  h->with()["category"] = 99;
  EXPECT_THAT([&] { h->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("HTTP 422"), HasSubstr("Category can't be blank"))));
  h->with()["title"] = "Too short";
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("Title must be at least 15 characters")));
  h->with().erase("category");
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("needs `category`")));
  EXPECT_EQ(posts().size(), 0u);
}

TEST_F(AnnounceDiscourseTest, AnUncertainPostStopsAndTheProbeLooksForTheTopic) {
  server.configure({{"faults", {{{"path", "/posts.json"}, {"action", "status"}, {"status", 500}, {"times", -1}}}}});
  auto h = make(server.url());
  EXPECT_THROW(h->run(), UncertainError);
  // Sent once: a 500 may have created the topic.
  int sent = 0;
  for (const auto& r : server.control("requests"))
    if (r["method"] == "POST" && r["path"] == "/posts.json") ++sent;
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(h->probe().result, ProbeResult::unknown);

  // The topic did go out (by hand, or Discourse made it before failing): the
  // probe finds it and the step is done without a second post.
  server.configure({{"faults", json::array()}});
  auto other = make(server.url());
  other->with().erase("texts");
  other->run();
  ASSERT_EQ(posts().size(), 1u);
  auto probe = h->probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
  EXPECT_THAT(probe.detail, HasSubstr("/t/python-3-13-0-is-now-available/201"));
}

TEST_F(AnnounceDiscourseTest, ARehearsalWritesThePostToTheOutboxWithoutTheKey) {
  ::unsetenv("DISCOURSE_API_KEY");
  auto h = make("https://discuss.python.org");
  h->ctx().mode = RunMode::rehearse;
  auto out = h->run();
  EXPECT_FALSE(out["posted"].get<bool>());
  auto msg = json::parse(test::read_file(dir / "state" / "sandbox" / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["url"], "https://discuss.python.org/posts.json");
  EXPECT_EQ(msg["body"]["title"], "Python 3.13.0 is now available");
  EXPECT_EQ(msg["body"]["category"], 5);
  EXPECT_EQ(msg["body"]["tags"], json::array({"release"}));
  EXPECT_EQ(msg["body"]["raw"], test::read_file(dir / "state" / "artifacts" / "announce.md"));
  EXPECT_TRUE(fs::exists(dir / "state" / "artifacts" / "blog.md"));
}

TEST_F(AnnounceDiscourseTest, WebhookAndDiscourseTogetherAreRefused) {
  auto h = make(server.url());
  h->with()["webhook"] = server.url() + "/hook";
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("not both")));
  h->with().erase("webhook");
  h->with()["texts"] = {{"../escape.md", "x"}};
  EXPECT_THROW(h->run(), StepError);
  EXPECT_FALSE(fs::exists(dir / "state" / "escape.md"));
}

}  // namespace
}  // namespace relman
