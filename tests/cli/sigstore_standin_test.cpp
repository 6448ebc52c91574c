// The rehearsal's own Sigstore (cli/sigstore_standin): relman's signing step
// against it, bundles that sigstore.verify and sigstore-js accept with the
// trust root it writes, a log that survives a restart, and Fulcio's and
// Rekor's refusals.
#include "cli/sigstore_standin.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <iostream>
#include <set>
#include <thread>

#include "adapters/http.h"
#include "adapters/sha256.h"
#include "adapters/sigstore_crypto.h"
#include "cli/merkle_tree.h"
#include "steps/sigstore_bundle.h"
#include "steps/sigstore_instance.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace relman::cli {
namespace {

using json = nlohmann::json;
using test::ScopedEnv;
using test::StepHarness;
using test::TempDir;
namespace rs = relman::sigstore;
namespace ss = relman::steps::sigstore;

const std::string kIssuer = "https://rehearsal.relman.invalid";
const std::string kWho = "rm@python.example";

struct Signing {
  TempDir dir;
  std::filesystem::path standin_dir = dir / "sandbox" / "sigstore";
  std::optional<RunningSigstoreStandin> standin{std::in_place, standin_dir};
  ScopedEnv token{"SIGSTORE_ID_TOKEN", steps::sigstore::standin_token({kWho, kIssuer})};
  ScopedEnv no_creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};
  StepHarness h{"sigstore.sign", dir / "repo", dir / "state"};
  std::filesystem::path art = dir / "state" / "artifacts";
  Signing() {
    test::fast_http_retries();
    test::write_file(art / "Python-3.15.0a1.tgz", std::string(70000, 'g'));
    test::write_file(art / "Python-3.15.0a1.tar.xz", std::string(50000, 'x'));
    point_at_standin();
    h.with()["files"] = {"Python-3.15.0a1.tgz", "Python-3.15.0a1.tar.xz"};
    h.ctx().mode = RunMode::rehearse;  // a rehearsal may sign: the stand-in is on loopback
  }
  void point_at_standin() {
    h.with()["fulcio_url"] = standin->url();
    h.with()["rekor_url"] = standin->url();
    h.with()["trusted_root"] = standin->trusted_root_path().string();
  }
  std::string verify(const std::string& name) {
    auto digest = rs::hex_decode(sha256_file(art / name));
    json bundle = json::parse(test::read_file(art / (name + ".sigstore")));
    return ss::bundle_problem(bundle, ss::load_trust_root(standin->trusted_root_path()), {digest, kWho, kIssuer});
  }
  http::Response get(const std::string& path) {
    http::Request r;
    r.url = standin->url() + path;
    return http::Client().send(r);
  }
  http::Response post(const std::string& path, const json& body) {
    http::Request r;
    r.method = "POST";
    r.url = standin->url() + path;
    r.headers = {"Content-Type: application/json"};
    r.body = body.dump();
    return http::Client().send(r);
  }
};

TEST(SigstoreStandin, RelmanSignsAgainstItAndTheBundlesVerifyWithItsTrustRoot) {
  Signing s;
  EXPECT_EQ(s.standin->url().rfind("http://127.0.0.1:", 0), 0u) << s.standin->url();
  json out = s.h.run();
  EXPECT_EQ(out["identity"], kWho);
  EXPECT_EQ(out["issuer"], kIssuer);
  for (const char* name : {"Python-3.15.0a1.tgz", "Python-3.15.0a1.tar.xz"}) EXPECT_EQ(s.verify(name), "") << name;
  json entries = s.standin->instance().entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["spec"]["data"]["hash"]["value"], sha256_file(s.art / "Python-3.15.0a1.tar.xz"));
  EXPECT_EQ(s.h.probe().result, ProbeResult::done);
  // A trust root of another instance (another sandbox) accepts none of it.
  TempDir other;
  RunningSigstoreStandin stranger(other / "sigstore");
  auto digest = rs::hex_decode(sha256_file(s.art / "Python-3.15.0a1.tgz"));
  json bundle = json::parse(test::read_file(s.art / "Python-3.15.0a1.tgz.sigstore"));
  EXPECT_NE(ss::bundle_problem(bundle, ss::load_trust_root(stranger.trusted_root_path()), {digest, kWho, kIssuer}), "");
}

TEST(SigstoreStandin, KeysAndLogSurviveARestartOnAnotherPort) {
  Signing s;
  s.h.with()["files"] = "Python-3.15.0a1.tgz";
  s.h.run();
  std::string first_url = s.standin->url();
  s.standin.reset();  // the rehearsal's process ends (or is killed)
  struct stat st {};
  ASSERT_EQ(::stat((s.standin_dir / "instance.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the stand-in's private keys are readable by others";

  s.standin.emplace(s.standin_dir);  // resume starts it again
  s.point_at_standin();
  EXPECT_EQ(s.verify("Python-3.15.0a1.tgz"), "") << "the restarted stand-in's trust root lost its keys";
  EXPECT_NE(s.standin->url(), first_url);
  // The log goes on: the old entry is found by digest, the next is index 1.
  auto found = s.post("/api/v1/index/retrieve", {{"hash", "sha256:" + sha256_file(s.art / "Python-3.15.0a1.tgz")}});
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(json::parse(found.body).size(), 1u);
  s.h.with()["files"] = "Python-3.15.0a1.tar.xz";
  s.h.run();
  json bundle = json::parse(test::read_file(s.art / "Python-3.15.0a1.tar.xz.sigstore"));
  const json& entry = bundle["verificationMaterial"]["tlogEntries"][0];
  EXPECT_EQ(entry["logIndex"], "1");
  EXPECT_EQ(entry["inclusionProof"]["treeSize"], "2");
  EXPECT_EQ(s.verify("Python-3.15.0a1.tar.xz"), "");
}

TEST(SigstoreStandin, FulcioAndRekorRefuseWhatTheRealOnesRefuse) {
  Signing s;
  auto key = rs::KeyPair::generate();
  auto other = rs::KeyPair::generate();
  std::string token = steps::sigstore::standin_token({kWho, kIssuer});
  auto cert_request = [&](const std::string& pop, const std::string& tok) {
    return s.post("/api/v2/signingCert", {{"credentials", {{"oidcIdentityToken", tok}}},
                                          {"publicKeyRequest",
                                           {{"publicKey", {{"algorithm", "ECDSA"}, {"content", key.public_pem()}}},
                                            {"proofOfPossession", rs::base64_encode(pop)}}}});
  };
  auto bad_pop = cert_request(other.sign(kWho), token);
  EXPECT_EQ(bad_pop.status, 400);
  EXPECT_THAT(bad_pop.body, testing::HasSubstr("proof of possession"));
  EXPECT_EQ(cert_request(key.sign(kWho), "not-a-jwt").status, 401);
  auto good = cert_request(key.sign(kWho), token);
  ASSERT_EQ(good.status, 201) << good.body;
  auto chain = json::parse(good.body)["signedCertificateEmbeddedSct"]["chain"]["certificates"];
  ASSERT_EQ(chain.size(), 2u);
  auto leaf = rs::Certificate::from_pem(chain[0].get<std::string>());
  EXPECT_EQ(leaf.identity(), kWho);
  EXPECT_EQ(leaf.oidc_issuer(), kIssuer);
  EXPECT_TRUE(leaf.has_code_signing_eku());
  EXPECT_EQ(leaf.not_after() - leaf.not_before(), 600);

  std::string digest = rs::sha256_raw("payload");
  auto entry = [&](const std::string& sig, const std::string& kind) {
    return json{
        {"apiVersion", "0.0.1"},
        {"kind", kind},
        {"spec",
         {{"data", {{"hash", {{"algorithm", "sha256"}, {"value", rs::hex_encode(digest)}}}}},
          {"signature",
           {{"content", rs::base64_encode(sig)}, {"publicKey", {{"content", rs::base64_encode(leaf.pem())}}}}}}}};
  };
  EXPECT_EQ(s.post("/api/v1/log/entries", entry(key.sign_digest(digest), "intoto")).status, 400);
  EXPECT_EQ(s.post("/api/v1/log/entries", entry(other.sign_digest(digest), "hashedrekord")).status, 400);
  // ECDSA signatures differ each time: the same entry is the same signature.
  std::string sig = key.sign_digest(digest);
  auto made = s.post("/api/v1/log/entries", entry(sig, "hashedrekord"));
  ASSERT_EQ(made.status, 201) << made.body;
  std::string uuid = json::parse(made.body).begin().key();
  auto again = s.post("/api/v1/log/entries", entry(sig, "hashedrekord"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.header("location"), "/api/v1/log/entries/" + uuid);
  EXPECT_EQ(s.standin->instance().entries().size(), 1u);
  EXPECT_EQ(s.get("/api/v1/log/entries/" + uuid).status, 200);
  EXPECT_EQ(s.get("/api/v1/log/entries/00").status, 404);
  EXPECT_EQ(s.post("/api/v1/log/entries", "{").status, 400);
}

// Clients at once (the server answers one at a time, from its own thread,
// while the rehearsal's thread reads the log): every entry gets its own
// index, and each one's inclusion proof verifies in the tree it was served in.
TEST(SigstoreStandin, ConcurrentClientsGetDistinctIndicesAndProofsThatVerify) {
  Signing s;
  auto key = rs::KeyPair::generate();
  std::string token = steps::sigstore::standin_token({kWho, kIssuer});
  auto cert = s.post("/api/v2/signingCert", {{"credentials", {{"oidcIdentityToken", token}}},
                                             {"publicKeyRequest",
                                              {{"publicKey", {{"algorithm", "ECDSA"}, {"content", key.public_pem()}}},
                                               {"proofOfPossession", rs::base64_encode(key.sign(kWho))}}}});
  ASSERT_EQ(cert.status, 201) << cert.body;
  std::string pem = json::parse(cert.body)["signedCertificateEmbeddedSct"]["chain"]["certificates"][0];
  constexpr int kThreads = 4, kEach = 5;
  std::vector<std::vector<json>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string digest = rs::sha256_raw(fmt::format("file {} {}", t, i));
        json entry = {{"apiVersion", "0.0.1"},
                      {"kind", "hashedrekord"},
                      {"spec",
                       {{"data", {{"hash", {{"algorithm", "sha256"}, {"value", rs::hex_encode(digest)}}}}},
                        {"signature",
                         {{"content", rs::base64_encode(key.sign_digest(digest))},
                          {"publicKey", {{"content", rs::base64_encode(pem)}}}}}}}};
        auto r = s.post("/api/v1/log/entries", entry);
        if (r.status == 201) made[t].push_back(json::parse(r.body).begin().value());
      }
    });
  size_t seen = 0;
  for (int i = 0; i < 20; ++i) seen = std::max(seen, s.standin->instance().entries().size());
  for (auto& th : threads) th.join();
  std::set<int> indices;
  for (const auto& list : made) {
    ASSERT_EQ(list.size(), static_cast<size_t>(kEach));
    for (const json& e : list) {
      indices.insert(e["logIndex"].get<int>());
      const json& p = e["verification"]["inclusionProof"];
      std::vector<std::string> path;
      for (const auto& h : p["hashes"]) path.push_back(rs::hex_decode(h.get<std::string>()));
      std::string leaf = merkle_leaf_hash(rs::base64_decode(e["body"].get<std::string>()));
      EXPECT_TRUE(ss::inclusion_verifies(p["logIndex"].get<std::uint64_t>(), p["treeSize"].get<std::uint64_t>(), leaf,
                                         path, rs::hex_decode(p["rootHash"].get<std::string>())))
          << e.dump();
    }
  }
  EXPECT_EQ(indices.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*indices.rbegin(), kThreads * kEach - 1);
  EXPECT_LE(seen, static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(s.standin->instance().entries().size(), static_cast<size_t>(kThreads * kEach));
}

// sigstore-js, which relman did not write, accepts the stand-in's bundles
// with the stand-in's trust root, and rejects a changed file.
TEST(SigstoreStandin, SigstoreJsAcceptsTheBundles) {
  if (test::sh("node -e \"require(require('path').join(require('child_process').execSync('npm root -g').toString()"
               ".trim(), '@sigstore/verify'))\"",
               ".")
          .exit_code != 0)
    GTEST_SKIP() << "node or @sigstore/verify is not installed (scripts/setup.sh installs them)";
  Signing s;
  s.h.run();
  std::string cmd = fmt::format("node {}/tools/sigstore-verify.cjs {} {} {} {} {}", RELMAN_TEST_DIR,
                                s.standin->trusted_root_path().string(), kWho, kIssuer,
                                (s.art / "Python-3.15.0a1.tgz").string(), (s.art / "Python-3.15.0a1.tar.xz").string());
  auto ok = test::sh(cmd, s.dir.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, testing::HasSubstr("OK Python-3.15.0a1.tgz: " + kWho + " (" + kIssuer + ")")) << ok.out;
  EXPECT_THAT(ok.out, testing::HasSubstr("OK Python-3.15.0a1.tar.xz")) << ok.out;
  std::cout << ok.out;
  test::write_file(s.art / "Python-3.15.0a1.tgz", "changed");
  auto bad = test::sh(cmd, s.dir.path());
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, testing::HasSubstr("REJECTED Python-3.15.0a1.tgz")) << bad.out;
}

}  // namespace
}  // namespace relman::cli
