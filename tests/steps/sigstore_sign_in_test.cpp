// The release manager's own sign-in, end to end at a real terminal: relman
// (the binary, on a pseudo-terminal) shows the provider's URL, the test is
// the browser that follows it to a fake OpenID Connect provider on loopback
// and back to relman's listener (or reads the code the provider shows and
// types it), and the tarball is signed on tests/server's Fulcio and Rekor
// as the identity the workflow expects.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fake_oidc.h"
#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/pty.h"
#include "support/shell.h"
#include "support/sigstore_server.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using relman::test::FakeOidc;
using relman::test::PtyCue;

namespace {

const char* kTarball = "Python-3.15.0a1.tgz";

class SigstoreSignIn : public ::testing::Test {
 protected:
  void workflow(const std::string& sign_in) {
    relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
    write_file(dir / "repo" / "wf.yaml",
               "name: sign-in\n"
               "steps:\n"
               "  - id: tarball\n"
               "    uses: exec\n"
               "    with:\n"
               "      argv: [sh, -c, 'printf release > ${run.artifacts}/" +
                   std::string(kTarball) +
                   "']\n"
                   "      creates: ${run.artifacts}/" +
                   kTarball +
                   "\n"
                   "  - id: sigstore-sign\n"
                   "    uses: sigstore.sign\n"
                   "    needs: [tarball]\n"
                   "    with:\n"
                   "      files: [" +
                   kTarball +
                   "]\n"
                   "      fulcio_url: " +
                   sigstore.url() + "\n      rekor_url: " + sigstore.url() + "\n      trusted_root: " +
                   sigstore.trusted_root().string() + "\n      oidc_issuer: " + provider.issuer() +
                   "\n      identity: rm@python.example\n"
                   "      issuer: https://github.com/login/oauth\n"
                   "      sign_in: " +
                   sign_in + "\n");
    relman::test::sh_ok("git add wf.yaml && git commit -qm workflow", dir / "repo");
  }
  std::vector<std::string> rehearse(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {
        "rehearse", "3.15.0a1", "--workflow", "wf.yaml", "--sigstore-real", "--state-dir", (dir / "state").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // The URL the terminal showed, as a person would copy it.
  static std::string url_in(const std::string& shown) {
    auto at = shown.find("http://127.0.0.1:", shown.find("open this URL"));
    if (at == std::string::npos) return "";
    return shown.substr(at, shown.find_first_of(" \r\n", at) - at);
  }
  void expect_signed_as_the_release_manager(const relman::test::PtyRun& run) {
    EXPECT_TRUE(fs::exists(dir / "state" / "artifacts" / (std::string(kTarball) + ".sigstore"))) << run.transcript;
    auto entries = sigstore.entries();
    ASSERT_EQ(entries.size(), 1u);
    // Neither the token nor the code is anywhere in the run's files or on the screen.
    for (const std::string& secret : {provider.issued_token(), provider.issued_code()}) {
      ASSERT_FALSE(secret.empty());
      EXPECT_EQ(relman::test::files_containing((dir / "state").string(), secret), std::vector<std::string>{});
      EXPECT_EQ(run.transcript.find(secret), std::string::npos);
    }
    nlohmann::json signed_step;
    for (const auto& ev : relman::test::journal_events(dir / "state"))
      if (ev["event"] == "step_succeeded" && ev["step"] == "sigstore-sign") signed_step = ev;
    ASSERT_TRUE(signed_step.is_object());
    EXPECT_EQ(signed_step["outputs"]["identity"], "rm@python.example");
    EXPECT_EQ(signed_step["outputs"]["issuer"], "https://github.com/login/oauth");
  }

  TempDir dir;
  relman::test::SigstoreServer sigstore;
  FakeOidc provider;
};

TEST_F(SigstoreSignIn, TheBrowsersRedirectToLoopbackSignsAsTheReleaseManager) {
  workflow("browser");
  std::string followed;
  auto run = relman::test::relman_on_terminal(rehearse(), dir / "repo",
                                              {PtyCue::reading("Waiting up to",
                                                               [&](const std::string& shown) {
                                                                 followed = provider.visit(url_in(shown));
                                                                 return std::string();
                                                               })},
                                              std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.answered, 1u);
  EXPECT_EQ(followed, "200") << "the listener's page after the provider's redirect";
  EXPECT_THAT(run.transcript, HasSubstr("Sign in to Sigstore as rm@python.example (https://github.com/login/oauth)"));
  expect_signed_as_the_release_manager(run);
}

TEST_F(SigstoreSignIn, TheCodeTypedBackServesABrowserOnAnotherMachine) {
  workflow("code");
  auto run = relman::test::relman_on_terminal(
      rehearse(), dir / "repo",
      {PtyCue::reading("Sign-in code:", [&](const std::string& shown) { return provider.visit(url_in(shown)); })},
      std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(provider.token_form()["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
  expect_signed_as_the_release_manager(run);
}

// Unattended (--ci), nobody can sign in: the step stops saying so, nothing
// is logged, and `relman resume` at a terminal signs in and finishes.
TEST_F(SigstoreSignIn, WithoutATerminalItStopsAndResumeAtOneSignsIn) {
  workflow("browser");
  relman::test::Ran ci = relman::test::relman(rehearse({"--ci"}), dir / "repo");
  ASSERT_EQ(ci.exit_code, 1) << ci.out << ci.err;
  EXPECT_THAT(ci.err, HasSubstr("needs a terminal, and this run has none (--ci)")) << ci.err;
  EXPECT_TRUE(sigstore.entries().empty());
  EXPECT_EQ(provider.token_requests(), 0);

  auto run = relman::test::relman_on_terminal({"resume", "--state-dir", (dir / "state").string()}, dir / "repo",
                                              {PtyCue::reading("Waiting up to",
                                                               [&](const std::string& shown) {
                                                                 provider.visit(url_in(shown));
                                                                 return std::string();
                                                               })},
                                              std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  expect_signed_as_the_release_manager(run);
}

}  // namespace
