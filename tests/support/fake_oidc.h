// An OpenID Connect provider on 127.0.0.1 for the sign-in tests, in the test's
// own process: discovery, an authorization endpoint that "signs in" at once
// and redirects back with a code (or shows it, out of band), and a token
// endpoint that checks the PKCE verifier against the challenge, the client's
// basic authentication, the redirect URI and the code, as Sigstore's
// provider (Dex) does. The browser is the test: `visit` follows the URL
// relman shows.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "adapters/loopback_server.h"

namespace relman::test {

class FakeOidc {
 public:
  struct Behaviour {
    std::string email = "rm@python.example";
    // Dex's federated_claims.connector_id: the issuer Fulcio certifies.
    std::string federated_issuer = "https://github.com/login/oauth";
    std::string deny;                // an `error` for the redirect (access_denied)
    bool wrong_state = false;        // redirect with another state
    bool wrong_nonce = false;        // a token for another sign-in
    std::string token_error;         // the token endpoint's `error` (invalid_grant)
    bool access_token_only = false;  // no id_token, as sigstore-python reads Dex
  };

  FakeOidc();
  std::string issuer() const { return server_.url() + "/auth"; }
  void behave(const Behaviour& b);

  // What a browser does with the URL relman shows: GET it, follow the
  // provider's redirect to relman's listener; returns the listener's status.
  // Out of band, returns the code the provider shows instead (as text).
  std::string visit(const std::string& url);

  // The last authorization request's query and token request's form.
  std::map<std::string, std::string> authorize_params() const;
  std::map<std::string, std::string> token_form() const;
  std::string token_authorization() const;  // the Authorization header
  std::string issued_token() const;         // the last token handed out
  std::string issued_code() const;
  int token_requests() const;

 private:
  loopback::Reply handle(const loopback::Request& r);

  mutable std::mutex mu_;
  Behaviour b_;
  std::map<std::string, std::string> authorize_, form_;
  std::string authorization_, token_, code_, challenge_, nonce_, redirect_;
  int token_requests_ = 0;
  bool code_used_ = false;
  loopback::Server server_;  // last: destroyed first, before what it reads
};

}  // namespace relman::test
