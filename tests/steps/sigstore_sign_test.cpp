#include <gtest/gtest.h>

#include "adapters/durable.h"
#include "adapters/http.h"
#include "adapters/sha256.h"
#include "adapters/sigstore_crypto.h"
#include "core/errors.h"
#include "core/version.h"
#include "steps/sigstore_bundle.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/sigstore_server.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::ScopedEnv;
using test::SigstoreServer;
using test::StepHarness;
using test::TempDir;
namespace ss = steps::sigstore;

const std::string kIssuer = "https://oauth2.sigstore.example";
const std::string kWho = "rm@python.example";

struct Fixture {
  TempDir dir;
  SigstoreServer server;
  std::string token = test::unsigned_jwt(kIssuer, kWho);
  ScopedEnv env{"SIGSTORE_ID_TOKEN", token};
  ScopedEnv no_creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};
  StepHarness h{"sigstore.sign", dir / "repo", dir / "state"};
  std::filesystem::path art = dir / "state" / "artifacts";
  Fixture() {
    test::fast_http_retries();
    test::write_file(art / "Python-3.15.0a1.tgz", std::string(70000, 'g'));
    test::write_file(art / "Python-3.15.0a1.tar.xz", std::string(50000, 'x'));
    h.with() = {{"files", {"Python-3.15.0a1.tgz", "Python-3.15.0a1.tar.xz"}},
                {"fulcio_url", server.url()},
                {"rekor_url", server.url()},
                {"trusted_root", server.trusted_root().string()}};
  }
  json bundle(const std::string& name) { return json::parse(test::read_file(art / (name + ".sigstore"))); }
  std::string verify(const std::string& name, const std::string& who = kWho, const std::string& iss = kIssuer) {
    auto digest = sigstore::hex_decode(sha256_file(art / name));
    return ss::bundle_problem(bundle(name), ss::load_trust_root(server.trusted_root()), {digest, who, iss});
  }
};

TEST(SigstoreSign, WritesAVerifyingBundleBesideEachFileAndProbesDone) {
  Fixture f;
  EXPECT_EQ(f.h.probe().result, ProbeResult::not_done);
  json out = f.h.run();
  EXPECT_EQ(out["identity"], kWho);
  EXPECT_EQ(out["issuer"], kIssuer);
  ASSERT_EQ(out["bundles"].size(), 2u);
  EXPECT_EQ(out["bundles"][0], (f.art / "Python-3.15.0a1.tgz.sigstore").string());
  for (const char* name : {"Python-3.15.0a1.tgz", "Python-3.15.0a1.tar.xz"}) {
    json b = f.bundle(name);
    EXPECT_EQ(b["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");
    EXPECT_EQ(b["messageSignature"]["messageDigest"]["digest"],
              sigstore::base64_encode(sigstore::hex_decode(sha256_file(f.art / name))));
    const json& t = b["verificationMaterial"]["tlogEntries"][0];
    EXPECT_TRUE(t.contains("inclusionPromise"));
    EXPECT_TRUE(t["inclusionProof"]["checkpoint"].contains("envelope"));
    EXPECT_EQ(f.verify(name), "") << name;
  }
  // One log entry per file, of each file's digest.
  json entries = f.server.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["spec"]["data"]["hash"]["value"], sha256_file(f.art / "Python-3.15.0a1.tgz"));
  auto p = f.h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  // Done is done: a second run logs nothing more.
  f.h.run();
  EXPECT_EQ(f.server.entries().size(), 2u);
  // The token: masked, and nowhere in the state directory.
  EXPECT_EQ(test::files_containing((f.dir / "state").string(), f.token), std::vector<std::string>{});
  EXPECT_EQ(f.h.redactor().apply("x " + f.token), "x ***");
}

TEST(SigstoreSign, AChangedFileIsNotDoneAndOnlyItIsSignedAgain) {
  Fixture f;
  f.h.run();
  auto untouched = test::read_file(f.art / "Python-3.15.0a1.tar.xz.sigstore");
  test::write_file(f.art / "Python-3.15.0a1.tgz", "re-exported");
  auto p = f.h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_THAT(p.detail, HasSubstr("Python-3.15.0a1.tgz.sigstore")) << p.detail;
  f.h.run();
  EXPECT_EQ(f.verify("Python-3.15.0a1.tgz"), "");
  EXPECT_EQ(test::read_file(f.art / "Python-3.15.0a1.tar.xz.sigstore"), untouched);
  EXPECT_EQ(f.server.entries().size(), 3u);
}

TEST(SigstoreSign, AKillAfterTheLogEntryResumesWithoutASecondEntry) {
  Fixture f;
  f.h.with()["files"] = "Python-3.15.0a1.tgz";
  // Rekor logs the entry, then the connection drops before the answer: to
  // relman it is what a kill between the entry and the bundle leaves.
  f.server.configure({{"faults", {{{"path", "/api/v1/log/entries"}, {"times", 1}, {"action", "drop"}}}}});
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("relman resume searches the log")));
  ASSERT_EQ(f.server.entries().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(f.art / "Python-3.15.0a1.tgz.sigstore"));
  EXPECT_EQ(f.h.probe().result, ProbeResult::not_done);
  // The certificate (public) was journaled before the entry was posted.
  ASSERT_TRUE(f.h.ctx().checkpoint.contains("certificate Python-3.15.0a1.tgz")) << f.h.ctx().checkpoint.dump();
  EXPECT_THAT(f.h.ctx().checkpoint.dump(), Not(HasSubstr(f.token)));

  f.h.run();
  EXPECT_EQ(f.server.entries().size(), 1u) << "the resumed step logged the file a second time";
  EXPECT_THAT(f.h.log(), HasSubstr("the log already holds its entry"));
  EXPECT_EQ(f.verify("Python-3.15.0a1.tgz"), "");
  EXPECT_EQ(f.h.probe().result, ProbeResult::done);
}

TEST(SigstoreSign, WithoutTheJournaledCertificateANewKeyMeansANewEntry) {
  // What docs/steps.md admits: the key pair is gone with the process, so a
  // run that lost its checkpoint (relman retry clears it) signs anew.
  Fixture f;
  f.h.with()["files"] = "Python-3.15.0a1.tgz";
  f.server.configure({{"faults", {{{"path", "/api/v1/log/entries"}, {"times", 1}, {"action", "drop"}}}}});
  EXPECT_THROW(f.h.run(), StepError);
  f.h.ctx().checkpoint = json::object();
  f.h.run();
  EXPECT_EQ(f.server.entries().size(), 2u);
  EXPECT_EQ(f.verify("Python-3.15.0a1.tgz"), "");
}

TEST(SigstoreSign, TokenFromAFileOrGitHubActionsAmbientProvider) {
  Fixture f;
  f.h.with()["files"] = "Python-3.15.0a1.tgz";
  ::unsetenv("SIGSTORE_ID_TOKEN");
  std::string other = test::unsigned_jwt(kIssuer, "file@python.example");
  test::write_file(f.dir / "token", other + "\n");
  f.h.with()["token_file"] = (f.dir / "token").string();
  EXPECT_EQ(f.h.run()["identity"], "file@python.example");
  EXPECT_EQ(f.h.redactor().apply(other), "***");

  std::filesystem::remove(f.art / "Python-3.15.0a1.tgz.sigstore");
  f.h.with().erase("token_file");
  std::string ambient =
      test::unsigned_jwt("https://token.actions.githubusercontent.com",
                         "https://github.com/python/release-tools/.github/workflows/x.yml@refs/heads/main");
  f.server.configure({{"ambient", {{"bearer", "req-token-0123456789"}, {"token", ambient}}}});
  ScopedEnv u("ACTIONS_ID_TOKEN_REQUEST_URL", f.server.url() + "/_oidc/token");
  ScopedEnv t("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "req-token-0123456789");
  json out = f.h.run();
  // A URI identity goes in the SAN as a URI.
  EXPECT_EQ(out["identity"], "https://github.com/python/release-tools/.github/workflows/x.yml@refs/heads/main");
  EXPECT_EQ(out["issuer"], "https://token.actions.githubusercontent.com");
  EXPECT_EQ(f.h.redactor().apply(ambient + " req-token-0123456789"), "*** ***");
}

TEST(SigstoreSign, NoTokenSaysWhereToPutOne) {
  Fixture f;
  ::unsetenv("SIGSTORE_ID_TOKEN");
  ::unsetenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  EXPECT_THAT([&] { f.h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("SIGSTORE_ID_TOKEN"), HasSubstr("id-token"))));
  EXPECT_TRUE(f.server.entries().empty());
}

TEST(SigstoreSign, ARefusedTokenSaysToGetAFreshOne) {
  Fixture f;
  ScopedEnv bad("SIGSTORE_ID_TOKEN", "not-a-jwt-at-all.but-long-enough");
  EXPECT_THROW(f.h.run(), StepError);
  ScopedEnv unreadable("SIGSTORE_ID_TOKEN", "aaaa.bm90IGpzb24.cccc");
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("fresh")));
  EXPECT_TRUE(f.server.entries().empty());
}

TEST(SigstoreSign, ARehearsalSignsOnlyOnLoopback) {
  Fixture f;
  f.h.ctx().mode = RunMode::rehearse;
  f.h.with()["rekor_url"] = "https://rekor.sigstore.dev";
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("loopback")));
  EXPECT_TRUE(f.server.entries().empty());
}

// A token of someone other than the release's expected signer is refused
// before Fulcio or Rekor hear of it: a public entry cannot be taken back.
TEST(SigstoreSign, ATokenOfAnotherSignerIsRefusedBeforeAnythingIsLogged) {
  Fixture f;
  f.h.with()["identities"] = {{"3.15", {"hugo@python.org", "https://github.com/login/oauth"}}};
  f.h.ctx().release = Version::parse("3.15.0a1");
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("the identity token is for " + kWho),
                                                                 HasSubstr("to be signed by hugo@python.org"))));
  EXPECT_TRUE(f.server.entries().empty());
  for (const auto& r : f.server.requests())
    EXPECT_NE(r.value("path", "").rfind("/api/", 0), 0u) << "asked the instance: " << r.dump();

  // No entry for the release's X.Y: the message names the entry to add.
  f.h.ctx().release = Version::parse("3.99.0");
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("add \"3.99\": [EMAIL, OIDC_ISSUER]")));
  // identity/issuer win over the table, and go together.
  f.h.with()["identity"] = kWho;
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("go together")));
  f.h.with()["issuer"] = kIssuer;
  EXPECT_EQ(f.h.run()["identity"], kWho);
}

// detached: sigstore-python's .sig (base64) and .crt (PEM) beside the
// bundle, the same signature and certificate; a bundle that verifies but
// lacks them is completed without signing again.
TEST(SigstoreSign, DetachedWritesSigAndCrtFromTheSameSignature) {
  Fixture f;
  f.h.with()["files"] = "Python-3.15.0a1.tgz";
  f.h.with()["detached"] = true;
  json out = f.h.run();
  const std::string file = (f.art / "Python-3.15.0a1.tgz").string();
  EXPECT_EQ(out["detached"], json({file + ".sig", file + ".crt"}));
  auto cert = sigstore::Certificate::from_pem(test::read_file(file + ".crt"));
  EXPECT_EQ(cert.identity(), kWho);
  std::string sig = sigstore::base64_decode(test::read_file(file + ".sig"));
  EXPECT_TRUE(cert.verifies_digest(sigstore::hex_decode(sha256_file(file)), sig));
  EXPECT_EQ(f.bundle("Python-3.15.0a1.tgz")["messageSignature"]["signature"], sigstore::base64_encode(sig));

  std::filesystem::remove(file + ".crt");
  EXPECT_EQ(f.h.probe().result, ProbeResult::not_done);
  f.h.run();
  EXPECT_TRUE(std::filesystem::exists(file + ".crt"));
  EXPECT_EQ(f.server.entries().size(), 1u) << "completing the detached files signed again";
  EXPECT_EQ(f.h.probe().result, ProbeResult::done);
}

// In a rehearsal with the sandbox's stand-in, its URL and trust root replace
// the workflow's, and the token is made for the expected signer: no
// SIGSTORE_ID_TOKEN is needed, and --sigstore-real turns it all off.
TEST(SigstoreSign, ARehearsalUsesTheSandboxStandInAsTheExpectedSigner) {
  Fixture f;
  ::unsetenv("SIGSTORE_ID_TOKEN");
  f.h.ctx().mode = RunMode::rehearse;
  f.h.ctx().release = Version::parse("3.15.0a1");
  f.h.ctx().sandbox.sigstore_url = f.server.url();
  f.h.ctx().sandbox.sigstore_trusted_root = f.server.trusted_root();
  f.h.with() = {{"files", "Python-3.15.0a1.tgz"},
                {"fulcio_url", "https://fulcio.sigstore.dev"},
                {"rekor_url", "https://rekor.sigstore.dev"},
                {"identities", {{"3.15", {"hugo@python.org", "https://github.com/login/oauth"}}}}};
  json out = f.h.run();
  EXPECT_EQ(out["identity"], "hugo@python.org");
  EXPECT_EQ(out["issuer"], "https://github.com/login/oauth");
  EXPECT_THAT(f.h.log(), HasSubstr("rehearsal: signing against the sandbox's Sigstore stand-in at " + f.server.url()));
  EXPECT_EQ(f.server.entries().size(), 1u);

  // --sigstore-real: the workflow's (real) instance, and so a real token.
  f.h.ctx().sandbox.sigstore_real = true;
  std::filesystem::remove(f.art / "Python-3.15.0a1.tgz.sigstore");
  EXPECT_THAT([&] { f.h.run(); }, ThrowsMessage<StepError>(HasSubstr("SIGSTORE_ID_TOKEN")));
  EXPECT_EQ(f.server.entries().size(), 1u);
}

// The stand-in itself: Fulcio refuses a proof of possession that is not the
// key's signature over the token's identity.
TEST(FakeSigstore, FulcioRefusesABadProofOfPossession) {
  SigstoreServer server;
  auto key = sigstore::KeyPair::generate();
  auto other = sigstore::KeyPair::generate();
  std::string token = test::unsigned_jwt(kIssuer, kWho);
  auto request = [&](const std::string& pop) {
    http::Request r;
    r.method = "POST";
    r.url = server.url() + "/api/v2/signingCert";
    r.headers = {"Content-Type: application/json"};
    r.body = json{{"credentials", {{"oidcIdentityToken", token}}},
                  {"publicKeyRequest",
                   {{"publicKey", {{"algorithm", "ECDSA"}, {"content", key.public_pem()}}},
                    {"proofOfPossession", sigstore::base64_encode(pop)}}}}
                 .dump();
    return http::Client().send(r);
  };
  EXPECT_EQ(request(key.sign(kWho)).status, 201);
  auto bad = request(other.sign(kWho));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("proof of possession"));
  EXPECT_EQ(request(key.sign("someone@else.example")).status, 400);
}

}  // namespace
}  // namespace relman
