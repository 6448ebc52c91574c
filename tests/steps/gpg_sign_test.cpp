#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/errors.h"
#include "support/gpg_home.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::GpgHome;
using test::sh;
using test::StepHarness;
using test::TempDir;

struct Fixture {
  TempDir dir;
  StepHarness h{"gpg.sign", dir / "repo", dir / "state"};
  std::filesystem::path art = dir / "state" / "artifacts";
  Fixture() {
    test::write_file(art / "Python-3.12.0.tgz", std::string(200000, 'g'));
    test::write_file(art / "Python-3.12.0.tar.xz", std::string(150000, 'x'));
    h.with() = {{"files", {"Python-3.12.0.tgz", "Python-3.12.0.tar.xz"}}};
  }
};

TEST(GpgSign, SignsEachFileVerifiableByGpgAndProbes) {
  GpgHome gpg;
  std::string fpr = gpg.add_key();
  Fixture f;
  EXPECT_EQ(f.h.probe().result, ProbeResult::not_done);
  json out = f.h.run();
  EXPECT_EQ(out["key"], fpr);
  ASSERT_EQ(out["signatures"].size(), 2u);
  EXPECT_EQ(out["signatures"][0], (f.art / "Python-3.12.0.tgz.asc").string());
  for (const char* name : {"Python-3.12.0.tgz", "Python-3.12.0.tar.xz"}) {
    auto asc = test::read_file(f.art / (std::string(name) + ".asc"));
    EXPECT_THAT(asc, StartsWith("-----BEGIN PGP SIGNATURE-----"));
    auto v = sh(std::string("gpg --status-fd 1 --verify ") + name + ".asc " + name, f.art);
    EXPECT_EQ(v.exit_code, 0) << v.err;
    EXPECT_THAT(v.out, HasSubstr("VALIDSIG " + fpr)) << v.out;
  }
  auto p = f.h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);

  // A changed file makes its signature stale: not done, and a re-run re-signs only that one.
  auto untouched = test::read_file(f.art / "Python-3.12.0.tar.xz.asc");
  test::write_file(f.art / "Python-3.12.0.tgz", "re-exported");
  EXPECT_EQ(f.h.probe().result, ProbeResult::not_done);
  f.h.run();
  EXPECT_EQ(f.h.probe().result, ProbeResult::done);
  EXPECT_EQ(sh("gpg --verify Python-3.12.0.tgz.asc Python-3.12.0.tgz", f.art).exit_code, 0);
  EXPECT_EQ(test::read_file(f.art / "Python-3.12.0.tar.xz.asc"), untouched);
}

TEST(GpgSign, ProbeWantsTheRightKey) {
  GpgHome gpg;
  std::string a = gpg.add_key("A <a@example.org>");
  std::string b = gpg.add_key("B <b@example.org>");
  Fixture f;
  f.h.with()["key"] = a;
  f.h.run();
  EXPECT_EQ(f.h.probe().result, ProbeResult::done);
  f.h.ctx().checkpoint = json::object();
  f.h.with()["key"] = b;
  auto p = f.h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_THAT(p.detail, HasSubstr(a)) << p.detail;
  EXPECT_EQ(f.h.run()["key"], b);
  EXPECT_THAT(sh("gpg --status-fd 1 --verify Python-3.12.0.tgz.asc Python-3.12.0.tgz", f.art).out,
              HasSubstr("VALIDSIG " + b));
}

TEST(GpgSign, NoSecretKeyThenResumeAfterCreatingOne) {
  GpgHome gpg;
  Fixture f;
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("no secret key"),
                                                                 HasSubstr("--quick-gen-key"), HasSubstr("`key`"))));
  EXPECT_FALSE(std::filesystem::exists(f.art / "Python-3.12.0.tgz.asc"));
  std::string fpr = gpg.add_key();
  EXPECT_EQ(f.h.run()["key"], fpr);
  EXPECT_EQ(f.h.probe().result, ProbeResult::done);
}

TEST(GpgSign, MissingFileNamesIt) {
  GpgHome gpg;
  gpg.add_key();
  Fixture f;
  f.h.with()["files"] = {"Python-3.12.0.tgz", "Python-3.12.0.tar.bz2"};
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("Python-3.12.0.tar.bz2 does not exist")));
}

TEST(GpgSign, WrongPassphraseFailsWithoutRevealingItThenSucceeds) {
  GpgHome gpg;
  const std::string secret = "right sign passphrase";
  std::string fpr = gpg.add_key("Protected <p@example.org>", secret);
  Fixture f;
  f.h.with()["passphrase_env"] = "RELMAN_TEST_SIGN_PASS";
  const std::string wrong = "wrong sign passphrase";
  ::setenv("RELMAN_TEST_SIGN_PASS", wrong.c_str(), 1);
  try {
    f.h.run();
    FAIL() << "a wrong passphrase must fail";
  } catch (const StepError& e) {
    std::string m = e.what();
    EXPECT_THAT(m, HasSubstr("wrong passphrase")) << m;
    EXPECT_THAT(m, HasSubstr("RELMAN_TEST_SIGN_PASS")) << m;
    EXPECT_THAT(m, Not(HasSubstr(wrong))) << m;
    f.h.ctx().log->line(std::string("error: ") + e.what() + " passphrase was " + wrong);
  }
  EXPECT_THAT(f.h.log(), Not(HasSubstr(wrong))) << f.h.log();
  EXPECT_FALSE(std::filesystem::exists(f.art / "Python-3.12.0.tgz.asc"));

  ::setenv("RELMAN_TEST_SIGN_PASS", secret.c_str(), 1);
  json out = f.h.run();
  ::unsetenv("RELMAN_TEST_SIGN_PASS");
  EXPECT_EQ(out["key"], fpr);
  EXPECT_EQ(sh("gpg --verify Python-3.12.0.tar.xz.asc Python-3.12.0.tar.xz", f.art).exit_code, 0);
  EXPECT_THAT(f.h.log(), Not(HasSubstr(secret)));
}

}  // namespace
}  // namespace relman
