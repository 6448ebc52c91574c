#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;

class AnnounceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::fast_http_retries();
    auto a = dir / "state" / "artifacts";
    std::filesystem::create_directories(a);
    test::write_file(a / "Python-3.13.0rc1.tgz", std::string(20000, 't'));
    test::write_file(a / "Python-3.13.0rc1.tar.xz", "xz bytes");
    test::write_file(a / "SHA256SUMS", test::sha256_hex("xz bytes") + "  Python-3.13.0rc1.tar.xz\n" +
                                           test::sha256_hex(std::string(20000, 't')) + "  Python-3.13.0rc1.tgz\n");
  }
  test::TempDir dir;
};

TEST_F(AnnounceTest, RendersAndPostsInARealRun) {
  FakeServer server;
  test::StepHarness h("announce", dir.path(), dir / "state", "3.13.0rc1");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"webhook", server.url() + "/hook/discuss"},
              {"links", {{"What's new", "https://docs.python.org/3.13/whatsnew/"}}}};
  auto out = h.run();
  EXPECT_TRUE(out["posted"].get<bool>());
  auto text = test::read_file(dir / "state" / "artifacts" / "announce.md");
  EXPECT_THAT(text, HasSubstr("Python 3.13.0 release candidate 1")) << text;
  EXPECT_THAT(text, HasSubstr("(rc release)")) << text;
  EXPECT_THAT(text, HasSubstr("| Python-3.13.0rc1.tgz | 20.0 kB | `" + test::sha256_hex(std::string(20000, 't'))))
      << text;
  EXPECT_THAT(text, HasSubstr("[What's new](https://docs.python.org/3.13/whatsnew/)")) << text;
  auto hooks = server.hooks();
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(json::parse(hooks[0]["body"].get<std::string>())["text"], text);
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  h.run();
  EXPECT_EQ(server.hooks().size(), 1u) << "posted twice";
}

TEST_F(AnnounceTest, InlineTemplateAndUnknownPlaceholder) {
  test::StepHarness h("announce", dir.path(), dir / "state", "3.12.1");
  h.with() = {{"template", "{{ version }} is {{kind}}\n"}};
  h.run();
  EXPECT_EQ(test::read_file(dir / "state" / "artifacts" / "announce.md"), "3.12.1 is final\n");
  h.with() = {{"template", "{{verison}}"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("{{verison}}")));
  h.with() = {{"template", "docs/no-such-template.md"}};
  EXPECT_THROW(h.run(), StepError);
}

TEST_F(AnnounceTest, TamperedArtifactIsRefused) {
  test::write_file(dir / "state" / "artifacts" / "Python-3.13.0rc1.tar.xz", "changed");
  test::StepHarness h("announce", dir.path(), dir / "state", "3.13.0rc1");
  EXPECT_THROW(h.run(), StepError);
}

TEST_F(AnnounceTest, RehearsalWritesTheOutbox) {
  test::StepHarness h("announce", dir.path(), dir / "state", "3.13.0rc1");
  h.ctx().mode = RunMode::rehearse;
  h.with() = {{"webhook", "https://discuss.python.org/hooks/abc"}};
  auto out = h.run();
  EXPECT_FALSE(out["posted"].get<bool>());
  auto msg = json::parse(test::read_file(dir / "state" / "sandbox" / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["url"], "https://discuss.python.org/hooks/abc");
  EXPECT_THAT(msg["body"]["text"].get<std::string>(), HasSubstr("3.13.0rc1"));
}

TEST_F(AnnounceTest, WebhookFailureThenSuccess) {
  FakeServer server(json{{"faults", {{{"path", "/hook"}, {"status", 500}, {"times", -1}}}}});
  test::StepHarness h("announce", dir.path(), dir / "state", "3.13.0rc1");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"webhook", server.url() + "/hook/x"}};
  try {
    h.run();
    FAIL();
  } catch (const UncertainError& e) {  // the engine then waits for retry or skip
    EXPECT_THAT(std::string(e.what()), HasSubstr("post it by hand")) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("not repeated")) << e.what();
  }
  // The server may have posted it despite the 500: relman sent it once.
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(h.probe().result, ProbeResult::unknown);
  server.configure({{"faults", json::array()}});
  EXPECT_TRUE(h.run()["posted"].get<bool>());
  EXPECT_EQ(server.hooks().size(), 1u);
}

}  // namespace
}  // namespace relman

namespace relman {
namespace {

// Without SHA256SUMS the announcement lists the files in artifacts/, but
// not relman's own: the JUnit report and a rehearsal's throwaway key.
TEST(AnnounceWithoutChecksums, ListsTheReleaseFilesOnly) {
  test::TempDir dir;
  auto a = dir / "state" / "artifacts";
  std::filesystem::create_directories(a);
  test::write_file(a / "Python-3.12.1.tgz", "tgz bytes");
  test::write_file(a / "Python-3.12.1.tgz.asc", "signature");
  test::write_file(a / "junit.xml", "<testsuites/>");
  test::write_file(a / "rehearsal-signing-key.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----");
  test::StepHarness h("announce", dir.path(), dir / "state", "3.12.1");
  h.with() = {{"template", "{{artifacts}}"}};
  h.run();
  auto text = test::read_file(a / "announce.md");
  EXPECT_THAT(text, HasSubstr("| Python-3.12.1.tgz | 9 bytes | `" + test::sha256_hex("tgz bytes"))) << text;
  EXPECT_THAT(text, HasSubstr("Python-3.12.1.tgz.asc")) << text;
  EXPECT_THAT(text, Not(HasSubstr("junit.xml"))) << text;
  EXPECT_THAT(text, Not(HasSubstr("rehearsal-signing-key"))) << text;
  EXPECT_THAT(text, Not(HasSubstr("announce.md"))) << text;
}

}  // namespace
}  // namespace relman
