#include "steps/sigstore_bundle.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/sigstore_crypto.h"
#include "support/matchers.h"

namespace relman::steps::sigstore {
namespace {

std::string jwt(const nlohmann::json& claims) {
  return relman::sigstore::base64url_encode(R"({"alg":"RS256"})") + "." +
         relman::sigstore::base64url_encode(claims.dump()) + ".c2ln";
}

TEST(SigstoreTokenClaims, EmailBeforeSubject) {
  auto c = read_claims(jwt({{"iss", "https://accounts.google.com"}, {"sub", "1234"}, {"email", "thomas@python.org"}}));
  EXPECT_EQ(c.subject, "thomas@python.org");
  EXPECT_EQ(c.issuer, "https://accounts.google.com");
  EXPECT_EQ(read_claims(jwt({{"iss", "https://x.example"}, {"sub", "repo:python/cpython"}})).subject,
            "repo:python/cpython");
}

// Sigstore's own provider (Dex) signs the token as oauth2.sigstore.dev, and
// Fulcio certifies the upstream it federates: a release manager signed in
// through GitHub is checked against https://github.com/login/oauth.
TEST(SigstoreTokenClaims, AFederatedTokensIssuerIsTheUpstream) {
  auto c =
      read_claims(jwt({{"iss", "https://oauth2.sigstore.dev/auth"},
                       {"email", "hugo@python.org"},
                       {"federated_claims", {{"connector_id", "https://github.com/login/oauth"}, {"user_id", "1"}}}}));
  EXPECT_EQ(c.issuer, "https://github.com/login/oauth");
  EXPECT_EQ(c.subject, "hugo@python.org");
}

TEST(SigstoreTokenClaims, ATokenWithoutIssuerOrIdentityIsRefused) {
  EXPECT_THAT(
      [] {
        read_claims(jwt({{"email", "a@b.example"}}));
      },
      ThrowsMessage<std::runtime_error>(HasSubstr("names no issuer")));
  EXPECT_THAT([] { read_claims("not-a-jwt"); }, ThrowsMessage<std::runtime_error>(HasSubstr("not a JWT")));
}

}  // namespace
}  // namespace relman::steps::sigstore
