#include "adapters/oidc_sign_in.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "adapters/sigstore_crypto.h"
#include "support/fake_oidc.h"
#include "support/matchers.h"

namespace relman {
namespace {

using namespace std::chrono_literals;
using test::FakeOidc;

http::Client loopback_client() {
  http::Options o;
  o.loopback_only = true;
  o.retry_base = 5ms;
  o.max_attempts = 2;
  return http::Client(o);
}

struct Seen {
  std::vector<std::pair<std::string, std::string>> secrets;
  std::vector<std::string> shown;
  std::string browser_status;
};

// The sign-in as a release manager at a terminal does it: the URL is shown,
// a browser (the fake provider's `visit`) follows it.
oidc::SignIn browser_sign_in(FakeOidc& provider, Seen& seen) {
  oidc::SignIn how;
  how.issuer = provider.issuer();
  how.timeout = 20s;
  how.show = [&](const std::string& url) {
    seen.shown.push_back(url);
    seen.browser_status = provider.visit(url);
  };
  how.on_secret = [&](const std::string& s, const std::string& what) { seen.secrets.emplace_back(s, what); };
  return how;
}

bool registered(const Seen& seen, const std::string& secret) {
  for (const auto& [s, what] : seen.secrets)
    if (s == secret) return true;
  return false;
}

TEST(OidcSignIn, S256ChallengeIsRfc7636sExample) {
  // RFC 7636, Appendix B.
  EXPECT_EQ(oidc::s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(OidcSignIn, BrowserRedirectToLoopbackGivesTheTokenWithPkce) {
  FakeOidc provider;
  Seen seen;
  auto client = loopback_client();
  std::string token = oidc::sign_in(client, browser_sign_in(provider, seen));

  EXPECT_EQ(token, provider.issued_token());
  EXPECT_EQ(seen.browser_status, "200");  // the listener's "signed in" page
  auto auth = provider.authorize_params();
  EXPECT_EQ(auth["client_id"], "sigstore");
  EXPECT_EQ(auth["code_challenge_method"], "S256");
  EXPECT_THAT(auth["redirect_uri"], ::testing::MatchesRegex("http://localhost:[0-9]+/auth/callback"));
  auto form = provider.token_form();
  EXPECT_EQ(form["redirect_uri"], auth["redirect_uri"]);
  EXPECT_EQ(oidc::s256_challenge(form["code_verifier"]), auth["code_challenge"]);
  EXPECT_EQ(provider.token_authorization(), "Basic " + sigstore::base64_encode("sigstore:"));
  // Every secret is handed over for masking: the verifier, the code, the token.
  EXPECT_TRUE(registered(seen, form["code_verifier"]));
  EXPECT_TRUE(registered(seen, provider.issued_code()));
  EXPECT_TRUE(registered(seen, token));
  // And none is in the URL the terminal shows.
  ASSERT_EQ(seen.shown.size(), 1u);
  EXPECT_EQ(seen.shown[0].find(form["code_verifier"]), std::string::npos);
}

TEST(OidcSignIn, EachSignInHasItsOwnVerifierStateAndNonce) {
  FakeOidc provider;
  Seen a, b;
  auto client = loopback_client();
  oidc::sign_in(client, browser_sign_in(provider, a));
  auto first = provider.authorize_params();
  oidc::sign_in(client, browser_sign_in(provider, b));
  auto second = provider.authorize_params();
  EXPECT_NE(first["state"], second["state"]);
  EXPECT_NE(first["nonce"], second["nonce"]);
  EXPECT_NE(first["code_challenge"], second["code_challenge"]);
  EXPECT_NE(first["redirect_uri"], second["redirect_uri"]);  // a new listener, a new port
}

TEST(OidcSignIn, ListenersOtherPathsSendTheBrowserToTheProvider) {
  FakeOidc provider;
  Seen seen;
  auto client = loopback_client();
  auto how = browser_sign_in(provider, seen);
  how.show = [&](const std::string& url) {
    seen.shown.push_back(url);
    // The short address (the listener's root) leads through the provider back to the callback.
    std::string callback_port = url.substr(url.find("localhost%3A") + 12);
    callback_port = callback_port.substr(0, callback_port.find("%2F"));
    seen.browser_status = provider.visit("http://127.0.0.1:" + callback_port + "/");
  };
  std::string token = oidc::sign_in(client, how);
  EXPECT_EQ(token, provider.issued_token());
  EXPECT_EQ(seen.browser_status, "200");
}

// The sign-in against a provider that misbehaves as told.
class OidcSignInFaults : public ::testing::Test {
 protected:
  // The sign-in's error message with the provider's behaviour changed by
  // `misbehave`; "" when it gave a token.
  std::string failure(const std::function<void(FakeOidc::Behaviour&)>& misbehave) {
    FakeOidc::Behaviour b;
    misbehave(b);
    provider.behave(b);
    try {
      token = oidc::sign_in(client, browser_sign_in(provider, seen));
      return "";
    } catch (const oidc::SignInError& e) {
      return e.what();
    }
  }
  FakeOidc provider;
  Seen seen;
  http::Client client = loopback_client();
  std::string token;
};

TEST_F(OidcSignInFaults, ProvidersRefusalIsAClearError) {
  std::string why = failure([](auto& b) { b.deny = "access_denied"; });
  EXPECT_THAT(why, HasSubstr("access_denied"));
  EXPECT_THAT(why, HasSubstr("the user said no"));
  EXPECT_THAT(why, HasSubstr("relman resume"));
  EXPECT_EQ(seen.browser_status, "400");
  EXPECT_EQ(provider.token_requests(), 0);
}

TEST_F(OidcSignInFaults, AnotherStateIsRefusedBeforeTheCodeIsUsed) {
  EXPECT_THAT(failure([](auto& b) { b.wrong_state = true; }), HasSubstr("another state"));
  EXPECT_EQ(provider.token_requests(), 0);
}

TEST_F(OidcSignInFaults, ATokenWithAnotherNonceIsRefused) {
  EXPECT_THAT(failure([](auto& b) { b.wrong_nonce = true; }), HasSubstr("another nonce"));
  EXPECT_TRUE(registered(seen, provider.issued_token()));  // masked even though refused
}

TEST_F(OidcSignInFaults, TokenEndpointsErrorIsNamed) {
  EXPECT_THAT(failure([](auto& b) { b.token_error = "invalid_grant"; }), HasSubstr("invalid_grant"));
}

TEST_F(OidcSignInFaults, AccessTokenServesWhenThereIsNoIdToken) {
  EXPECT_EQ(failure([](auto& b) { b.access_token_only = true; }), "");
  EXPECT_EQ(token, provider.issued_token());
}

TEST(OidcSignIn, NobodySigningInTimesOutWithAdvice) {
  FakeOidc provider;
  Seen seen;
  auto client = loopback_client();
  auto how = browser_sign_in(provider, seen);
  how.show = [&](const std::string& url) { seen.shown.push_back(url); };  // nobody opens it
  how.timeout = 300ms;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT([&] { oidc::sign_in(client, how); }, ThrowsMessage<oidc::SignInError>(HasSubstr("sign_in")));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_EQ(provider.token_requests(), 0);
}

// Out of band: the provider shows a code, the release manager types it.
class OidcSignInOutOfBand : public ::testing::Test {
 protected:
  OidcSignInOutOfBand() : how(browser_sign_in(provider, seen)) { how.out_of_band = true; }
  FakeOidc provider;
  Seen seen;
  http::Client client = loopback_client();
  oidc::SignIn how;
};

TEST_F(OidcSignInOutOfBand, UsesTheTypedCode) {
  std::string shown_code;
  how.show = [&](const std::string& url) { shown_code = provider.visit(url); };
  how.ask_code = [&] { return shown_code + "\n"; };
  std::string token = oidc::sign_in(client, how);
  EXPECT_EQ(token, provider.issued_token());
  EXPECT_EQ(provider.authorize_params()["redirect_uri"], oidc::kOutOfBandRedirect);
  EXPECT_EQ(provider.token_form()["redirect_uri"], oidc::kOutOfBandRedirect);
  EXPECT_TRUE(registered(seen, shown_code));
}

TEST_F(OidcSignInOutOfBand, WithoutACodeItStops) {
  how.show = [](const std::string&) {};
  how.ask_code = [] { return std::string(); };
  EXPECT_THAT([&] { oidc::sign_in(client, how); }, ThrowsMessage<oidc::SignInError>(HasSubstr("no sign-in code")));
}

TEST(OidcSignIn, AnIssuerWithoutDiscoverySaysWhichOne) {
  FakeOidc provider;
  Seen seen;
  auto client = loopback_client();
  auto how = browser_sign_in(provider, seen);
  how.issuer = provider.issuer() + "/nowhere";
  EXPECT_THAT([&] { oidc::sign_in(client, how); }, ThrowsMessage<oidc::SignInError>(HasSubstr("oidc_issuer")));
  EXPECT_TRUE(seen.shown.empty());
}

}  // namespace
}  // namespace relman
