#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/errors.h"
#include "support/gpg_home.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::GpgHome;
using test::sh;
using test::sh_ok;
using test::StepHarness;
using test::TempDir;

std::string head(const std::filesystem::path& repo) {
  auto s = sh_ok("git rev-parse HEAD", repo);
  return s.substr(0, s.find('\n'));
}

TEST(GitTag, UnsignedAnnotatedTag) {
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v3.12.0"}, {"message", "Python 3.12.0"}};
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  EXPECT_EQ(out["tag"], "v3.12.0");
  EXPECT_EQ(out["commit"], head(dir / "repo"));
  EXPECT_EQ(out["signed"], false);
  EXPECT_EQ(sh_ok("git cat-file -t v3.12.0", dir / "repo"), "tag\n");
  EXPECT_EQ(sh_ok("git tag -l --format='%(contents)' v3.12.0", dir / "repo"), "Python 3.12.0\n\n");
  EXPECT_EQ(sh_ok("git tag -l --format='%(taggername) %(taggeremail)' v3.12.0", dir / "repo"),
            "Test Releaser <rm@example.org>\n");
  EXPECT_EQ(sh_ok("git rev-parse v3.12.0^{commit}", dir / "repo"), head(dir / "repo") + "\n");
  // git's own consistency check accepts the object we wrote by hand.
  EXPECT_EQ(sh("git fsck --strict", dir / "repo").exit_code, 0);

  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done);
  EXPECT_EQ(p.outputs["commit"], out["commit"]);
  sh_ok("git tag -d v3.12.0", dir / "repo");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

// With SOURCE_DATE_EPOCH set, the tag's date is that instant (UTC): two
// rehearsals make the same tag object.
TEST(GitTag, SourceDateEpochFixesTheTaggerDate) {
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  test::ScopedEnv epoch("SOURCE_DATE_EPOCH", "1700000000");
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v3.12.0"}, {"message", "Python 3.12.0"}};
  h.run();
  EXPECT_EQ(sh_ok("git tag -l --format='%(taggerdate:raw)' v3.12.0", dir / "repo"), "1700000000 +0000\n");
  std::string first = sh_ok("git rev-parse v3.12.0", dir / "repo");
  sh_ok("git tag -d v3.12.0", dir / "repo");
  h.run();
  EXPECT_EQ(sh_ok("git rev-parse v3.12.0", dir / "repo"), first) << "the same tag object again";
}

TEST(GitTag, SignedTagVerifiesWithGitTagV) {
  GpgHome gpg;
  std::string fpr = gpg.add_key();
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v3.12.0"}, {"sign", true}};
  json out = h.run();
  EXPECT_EQ(out["signed"], true);
  EXPECT_EQ(out["key"], fpr);
  EXPECT_EQ(h.ctx().checkpoint["commit"], head(dir / "repo"));
  auto v = sh("git tag -v v3.12.0", dir / "repo");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.err, HasSubstr("Good signature from \"Test Releaser <rm@example.org>\"")) << v.err;
  EXPECT_EQ(sh("git fsck --strict", dir / "repo").exit_code, 0);

  // Probe after the fact reports the signer too.
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done);
  EXPECT_EQ(p.outputs["signed"], true);
  EXPECT_EQ(p.outputs["key"], fpr);
}

TEST(GitTag, ExplicitKeyAmongSeveral) {
  GpgHome gpg;
  gpg.add_key("A <a@example.org>");
  std::string b = gpg.add_key("B <b@example.org>");
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v1"}, {"sign", true}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr(b), HasSubstr("`key`"))));
  EXPECT_EQ(sh("git rev-parse -q --verify refs/tags/v1", dir / "repo").exit_code, 1);  // nothing half-made
  h.with()["key"] = b;
  EXPECT_EQ(h.run()["key"], b);
  auto v = sh("git tag -v v1", dir / "repo");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.err, HasSubstr("\"B <b@example.org>\"")) << v.err;
}

TEST(GitTag, NoSecretKeySaysHowToMakeOneThenRetrySucceeds) {
  GpgHome gpg;
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v1"}, {"sign", true}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("no secret key"), HasSubstr("--quick-gen-key"))));
  gpg.add_key();
  EXPECT_EQ(h.run()["signed"], true);
  EXPECT_EQ(sh("git tag -v v1", dir / "repo").exit_code, 0);
}

TEST(GitTag, WrongPassphraseNeverShowsItAndRetryWorks) {
  GpgHome gpg;
  const std::string secret = "tag passphrase 42";
  gpg.add_key("Protected <p@example.org>", secret);
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v1"}, {"sign", true}, {"passphrase_env", "RELMAN_TEST_TAG_PASS"}};
  const std::string wrong = "not the passphrase";
  ::setenv("RELMAN_TEST_TAG_PASS", wrong.c_str(), 1);
  try {
    h.run();
    FAIL() << "a wrong passphrase must fail";
  } catch (const StepError& e) {
    std::string m = e.what();
    EXPECT_THAT(m, HasSubstr("wrong passphrase")) << m;
    EXPECT_THAT(m, HasSubstr("RELMAN_TEST_TAG_PASS")) << m;
    EXPECT_THAT(m, Not(HasSubstr(wrong))) << m;
    // What the engine writes to logs and journal goes through the redactor.
    h.ctx().log->line("failed: " + m + " (tried " + wrong + ")");
  }
  EXPECT_THAT(h.log(), Not(HasSubstr(wrong))) << h.log();
  EXPECT_THAT(h.log(), HasSubstr("***")) << h.log();
  EXPECT_EQ(sh("git rev-parse -q --verify refs/tags/v1", dir / "repo").exit_code, 1);

  ::setenv("RELMAN_TEST_TAG_PASS", secret.c_str(), 1);
  EXPECT_EQ(h.run()["signed"], true);
  ::unsetenv("RELMAN_TEST_TAG_PASS");
  EXPECT_EQ(sh("git tag -v v1", dir / "repo").exit_code, 0);
  EXPECT_THAT(h.log(), Not(HasSubstr(secret)));
}

TEST(GitTag, ExistingTagOnSameCommitIsDoneOnOtherCommitIsAnError) {
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "v1"}};
  // A crash after the tag was written but before the journal recorded it.
  std::string first = h.run()["commit"];
  std::string object = sh_ok("git rev-parse v1", dir / "repo");
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  EXPECT_EQ(h.run()["commit"], first);  // no error, no second tag
  EXPECT_EQ(sh_ok("git rev-parse v1", dir / "repo"), object);

  // The tag moved by hand to another commit: the step names both.
  sh_ok("git commit -q --allow-empty -m second && git tag -f -a -m moved v1", dir / "repo");
  std::string second = head(dir / "repo");
  EXPECT_THAT([&] { h.probe(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr(first), HasSubstr(second), HasSubstr("git tag -d v1"))));
  StepHarness fresh("git.tag", dir / "repo", dir / "state2");
  fresh.with() = {{"name", "v1"}, {"ref", "HEAD~1"}};
  EXPECT_THROW(fresh.run(), StepError);
}

TEST(GitTag, BadInputs) {
  TempDir dir;
  test::make_repo(dir / "repo", {{"README", "hello\n"}});
  StepHarness h("git.tag", dir / "repo", dir / "state");
  h.with() = {{"name", "bad..name"}};
  EXPECT_THROW(h.run(), StepError);
  h.with() = {{"name", "v1"}, {"ref", "no-such-branch"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("no-such-branch")));
}

}  // namespace
}  // namespace relman
