#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/gpg_home.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::GpgHome;
using test::sh_ok;
using test::StepHarness;
using test::TempDir;

// Two files signed with the gpg command line and a SHA256SUMS from sha256sum,
// so the step is checked against the tools release managers use.
struct Signed {
  GpgHome gpg;
  std::string fpr = gpg.add_key();
  TempDir dir;
  std::filesystem::path art = dir / "state" / "artifacts";
  StepHarness h{"gpg.verify", dir / "repo", dir / "state"};
  Signed() {
    test::write_file(art / "Python-3.12.0.tgz", "tgz bytes\n");
    test::write_file(art / "Python-3.12.0.tar.xz", "xz bytes\n");
    sh_ok(
        "for f in Python-3.12.0.tgz Python-3.12.0.tar.xz; do gpg --batch -q --armor --detach-sign $f; done && "
        "sha256sum Python-3.12.0.tgz Python-3.12.0.tar.xz > SHA256SUMS",
        art);
    h.with() = {{"files", {"Python-3.12.0.tgz", "Python-3.12.0.tar.xz"}}};
  }
  std::string failure() {
    try {
      h.run();
    } catch (const StepError& e) {
      return e.what();
    }
    ADD_FAILURE() << "the step did not fail";
    return {};
  }
};

TEST(GpgVerify, GoodSignaturesAndChecksums) {
  Signed s;
  json out = s.h.run();
  EXPECT_EQ(out["signer"], s.fpr);
  ASSERT_EQ(out["verified"].size(), 2u);
  EXPECT_EQ(out["checksums"][0], (s.art / "SHA256SUMS").string());
  EXPECT_THAT(s.h.log(), HasSubstr("sha256 matches"));
  auto p = s.h.probe();
  EXPECT_EQ(p.result, ProbeResult::done);
  EXPECT_EQ(p.outputs, out);
  s.h.with()["key"] = s.fpr;
  EXPECT_NO_THROW(s.h.run());
}

TEST(GpgVerify, TamperedFileIsNamedThenFixedResumes) {
  Signed s;
  test::write_file(s.art / "Python-3.12.0.tgz", "tgz bytes, tampered\n");
  std::string m = s.failure();
  EXPECT_THAT(m, HasSubstr("Python-3.12.0.tgz: BAD signature")) << m;
  EXPECT_THAT(m, HasSubstr("sha256 is")) << m;  // and the checksum disagrees too
  EXPECT_THAT(m, Not(HasSubstr("Python-3.12.0.tar.xz:"))) << m;
  EXPECT_EQ(s.h.probe().result, ProbeResult::not_done);
  test::write_file(s.art / "Python-3.12.0.tgz", "tgz bytes\n");
  EXPECT_EQ(s.h.run()["verified"].size(), 2u);
}

TEST(GpgVerify, TamperedChecksumIsNamed) {
  Signed s;
  auto sums = test::read_file(s.art / "SHA256SUMS");
  sums[0] = sums[0] == '0' ? '1' : '0';
  test::write_file(s.art / "SHA256SUMS", sums);
  std::string m = s.failure();
  EXPECT_THAT(m, HasSubstr("Python-3.12.0.tgz: sha256 is")) << m;
  EXPECT_THAT(m, HasSubstr("SHA256SUMS says")) << m;
  EXPECT_THAT(m, Not(HasSubstr("BAD signature"))) << m;
}

TEST(GpgVerify, MissingFileSignatureAndListing) {
  Signed s;
  std::filesystem::remove(s.art / "Python-3.12.0.tar.xz.asc");
  test::write_file(s.art / "extra.txt", "extra");
  sh_ok("gpg --batch -q --armor --detach-sign extra.txt", s.art);
  s.h.with()["files"] = {"Python-3.12.0.tgz", "Python-3.12.0.tar.xz", "extra.txt", "gone.zip"};
  std::string m = s.failure();
  EXPECT_THAT(m, HasSubstr("Python-3.12.0.tar.xz: no signature")) << m;
  EXPECT_THAT(m, HasSubstr("extra.txt: not listed in")) << m;
  EXPECT_THAT(m, HasSubstr("gone.zip: the file does not exist")) << m;
  EXPECT_THAT(m, Not(HasSubstr("Python-3.12.0.tgz:"))) << m;
}

TEST(GpgVerify, WrongSignerAndUnknownKey) {
  Signed s;
  s.h.with()["key"] = "0000000000000000000000000000000000000000";
  std::string m = s.failure();
  EXPECT_THAT(m, HasSubstr("not by the expected key")) << m;

  // A signature by a key this keyring does not know.
  TempDir d;
  test::write_file(d / "f", "x");
  {
    GpgHome other;
    other.add_key("Stranger <s@example.org>");
    sh_ok("gpg --batch -q --armor --detach-sign f", d.path());
  }
  StepHarness h("gpg.verify", d / "repo", d / "state");
  h.with() = {{"files", (d / "f").string()}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("not in the keyring"), HasSubstr("gpg --import"))));
}

}  // namespace
}  // namespace relman
