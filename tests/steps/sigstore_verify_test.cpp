#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>

#include "adapters/sigstore_crypto.h"
#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/sigstore_server.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace relman {
namespace {

using test::ScopedEnv;
using test::SigstoreServer;
using test::StepHarness;
using test::TempDir;

const std::string kIssuer = "https://oauth2.sigstore.example";
const std::string kWho = "rm@python.example";
const std::string kFile = "Python-3.15.0a1.tgz";

// A file signed by sigstore.sign against the stand-in, and a sigstore.verify
// step expecting that signer.
struct Signed {
  TempDir dir;
  SigstoreServer server;
  ScopedEnv env{"SIGSTORE_ID_TOKEN", test::unsigned_jwt(kIssuer, kWho)};
  ScopedEnv no_creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};
  StepHarness sign{"sigstore.sign", dir / "repo", dir / "state"};
  StepHarness verify{"sigstore.verify", dir / "repo", dir / "state"};
  std::filesystem::path art = dir / "state" / "artifacts";
  std::filesystem::path bundle = art / (kFile + ".sigstore");

  explicit Signed(const json& config = json::object()) {
    test::fast_http_retries();
    if (!config.empty()) server.configure(config);
    test::write_file(art / kFile, std::string(90000, 's'));
    sign.with() = {{"files", kFile}, {"fulcio_url", server.url()}, {"rekor_url", server.url()}};
    sign.run();
    verify.with() = {
        {"files", kFile}, {"trusted_root", server.trusted_root().string()}, {"identity", kWho}, {"issuer", kIssuer}};
  }
  void edit(const std::function<void(json&)>& change) {
    json b = json::parse(test::read_file(bundle));
    change(b);
    test::write_file(bundle, b.dump());
  }
  json& tlog(json& b) { return b["verificationMaterial"]["tlogEntries"][0]; }
};

TEST(SigstoreVerify, AcceptsTheBundleOfTheExpectedSigner) {
  Signed s;
  json out = s.verify.run();
  EXPECT_EQ(out["bundles"], json::array({s.bundle.string()}));
  EXPECT_EQ(s.verify.probe().result, ProbeResult::done);
}

TEST(SigstoreVerify, RejectsATamperedFile) {
  Signed s;
  test::write_file(s.art / kFile, std::string(90000, 't'));
  EXPECT_THAT([&] { s.verify.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr(kFile + ".sigstore"), HasSubstr("file changed after signing"))));
  EXPECT_EQ(s.verify.probe().result, ProbeResult::not_done);
}

TEST(SigstoreVerify, RejectsAWrongIdentity) {
  Signed s;
  s.verify.with()["identity"] = "someone@else.example";
  EXPECT_THAT([&] { s.verify.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("signed by 'rm@python.example'"),
                                             HasSubstr("not by the expected identity 'someone@else.example'"),
                                             HasSubstr("'identity' parameter"))));
}

TEST(SigstoreVerify, RejectsAWrongIssuer) {
  Signed s;
  s.verify.with()["issuer"] = "https://github.com/login/oauth";
  EXPECT_THAT([&] { s.verify.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("issuer '" + kIssuer + "'"), HasSubstr("'issuer' parameter"))));
}

TEST(SigstoreVerify, RejectsACertificateExpiredAtIntegratedTime) {
  // Fulcio's certificate ended ten minutes before Rekor logged the entry.
  Signed s(json{{"cert_validity", {-1200, -600}}});
  EXPECT_THAT([&] { s.verify.run(); },
              ThrowsMessage<StepError>(
                  AllOf(HasSubstr("not valid when the log integrated the entry"), HasSubstr("sign again"))));
}

TEST(SigstoreVerify, ChecksTheChainAtIntegratedTimeNotNow) {
  // Logged an hour ago, when the certificate (valid then, expired now) was
  // good: that is how every Sigstore signature older than ten minutes looks.
  Signed s(json{{"cert_validity", {-3700, -3000}}, {"time_offset", -3600}});
  EXPECT_NO_THROW(s.verify.run());
}

TEST(SigstoreVerify, RejectsAMissingInclusionProofOrPromise) {
  Signed s;
  auto original = test::read_file(s.bundle);
  s.edit([&](json& b) { s.tlog(b).erase("inclusionProof"); });
  EXPECT_THAT([&] { s.verify.run(); }, ThrowsMessage<StepError>(HasSubstr("no inclusion proof")));
  test::write_file(s.bundle, original);
  s.edit([&](json& b) { s.tlog(b).erase("inclusionPromise"); });
  EXPECT_THAT([&] { s.verify.run(); }, ThrowsMessage<StepError>(HasSubstr("no inclusion promise")));
  test::write_file(s.bundle, original);
  // A proof whose path does not lead to the root.
  s.edit([&](json& b) { s.tlog(b)["inclusionProof"]["rootHash"] = sigstore::base64_encode(std::string(32, 'r')); });
  EXPECT_THAT([&] { s.verify.run(); }, ThrowsMessage<StepError>(HasSubstr("does not recompute")));
  test::write_file(s.bundle, original);
  // A later integratedTime than the log signed.
  s.edit([&](json& b) {
    s.tlog(b)["integratedTime"] = std::to_string(std::stoll(s.tlog(b)["integratedTime"].get<std::string>()) + 1);
  });
  EXPECT_THAT([&] { s.verify.run(); }, ThrowsMessage<StepError>(HasSubstr("signed entry timestamp does not verify")));
  test::write_file(s.bundle, original);
  EXPECT_NO_THROW(s.verify.run());
}

TEST(SigstoreVerify, RejectsAnotherInstancesTrustRoot) {
  Signed s;
  SigstoreServer other;
  s.verify.with()["trusted_root"] = other.trusted_root().string();
  EXPECT_THAT([&] { s.verify.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("not in the trust root"), HasSubstr("'trusted_root'"))));
  test::write_file(s.dir / "bad_root.json", "{\"mediaType\": \"nope\"}");
  s.verify.with()["trusted_root"] = (s.dir / "bad_root.json").string();
  EXPECT_THAT([&] { s.verify.run(); }, ThrowsMessage<StepError>(HasSubstr("not a usable Sigstore trusted_root.json")));
}

TEST(SigstoreVerify, AMissingBundleSaysToSign) {
  Signed s;
  std::filesystem::remove(s.bundle);
  EXPECT_THAT([&] { s.verify.run(); }, ThrowsMessage<StepError>(HasSubstr("sign the file first")));
}

// sigstore-js (@sigstore/verify, installed by scripts/setup.sh) accepts
// what relman wrote, and is no rubber stamp: it rejects a changed file.
TEST(SigstoreVerify, SigstoreJsAcceptsRelmansBundles) {
  if (test::sh("node -e \"require(require('path').join(require('child_process').execSync('npm root -g').toString()"
               ".trim(), '@sigstore/verify'))\"",
               ".")
          .exit_code != 0)
    GTEST_SKIP() << "node or @sigstore/verify is not installed (scripts/setup.sh installs them)";
  Signed s;
  test::write_file(s.art / "Python-3.15.0a1.tar.xz", std::string(40000, 'x'));
  s.sign.with()["files"] = {kFile, "Python-3.15.0a1.tar.xz"};
  s.sign.run();
  std::string cmd =
      fmt::format("node {}/tools/sigstore-verify.cjs {} {} {} {} {}", RELMAN_TEST_DIR, s.server.trusted_root().string(),
                  kWho, kIssuer, (s.art / kFile).string(), (s.art / "Python-3.15.0a1.tar.xz").string());
  auto ok = test::sh(cmd, s.dir.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK " + kFile + ": " + kWho + " (" + kIssuer + ")")) << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("OK Python-3.15.0a1.tar.xz")) << ok.out;
  std::cout << ok.out;

  test::write_file(s.art / kFile, "changed");
  auto bad = test::sh(cmd, s.dir.path());
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("REJECTED " + kFile)) << bad.out;
  std::cout << bad.out;
}

}  // namespace
}  // namespace relman
