// The interactive OpenID Connect sign-in a release manager does to sign with
// Sigstore (what `sigstore sign --oidc-disable-ambient-providers` does for
// release-tools): the authorization-code flow with PKCE (RFC 7636, S256)
// against the issuer's discovered endpoints. The browser comes back to a
// loopback listener on 127.0.0.1 (RFC 8252), or, out of band, the provider
// shows a code that the release manager types. The code, the verifier and
// the token are handed to `on_secret` before anything could log them, and
// none is ever written anywhere.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

#include "adapters/http.h"

namespace relman::oidc {

// The sign-in did not give a token; what() says why and what to do.
class SignInError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SignIn {
  std::string issuer = "https://oauth2.sigstore.dev/auth";  // Sigstore's public provider
  std::string client_id = "sigstore";
  std::string client_secret;  // empty for Sigstore's public client
  // The provider shows the code and the release manager types it (a browser
  // on another machine than relman, e.g. over ssh), instead of the redirect.
  bool out_of_band = false;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // Shows the sign-in URL to the person signing in.
  std::function<void(const std::string& url)> show;
  // Out of band: asks for the code the provider showed; "" when none came.
  std::function<std::string()> ask_code;
  // Called with each secret as soon as it exists (the step masks it).
  std::function<void(const std::string& secret, const std::string& what)> on_secret;
};

// The loopback redirect's address for a listener on `port`: "localhost" as
// Sigstore's provider registers it for its public client.
std::string redirect_uri_for(int port);
inline constexpr const char* kOutOfBandRedirect = "urn:ietf:wg:oauth:2.0:oob";

// base64url without padding of SHA-256(verifier): the S256 challenge.
std::string s256_challenge(const std::string& verifier);

// Runs the sign-in and returns the identity token (the token endpoint's
// id_token, else its access_token, which Sigstore's provider makes a JWT).
// Throws SignInError: the provider refused, the state or nonce did not
// match, or nobody signed in within the timeout.
std::string sign_in(const http::Client& client, const SignIn& how);

}  // namespace relman::oidc
