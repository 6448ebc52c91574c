#include "adapters/oidc_sign_in.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>

#include "adapters/loopback_server.h"
#include "adapters/percent_encoding.h"
#include "adapters/sigstore_crypto.h"

namespace relman::oidc {

namespace {

using json = nlohmann::json;
namespace rs = relman::sigstore;
using Params = std::map<std::string, std::string>;

std::string random_string(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
    throw SignInError("OpenSSL could not gather random bytes for the sign-in");
  return rs::base64url_encode(raw);
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += percent_encode(k) + "=" + percent_encode(v);
  }
  return out;
}

struct Endpoints {
  std::string authorize;
  std::string token;
};

// OpenID Connect Discovery 1.0: the issuer names its own endpoints.
Endpoints discover(const http::Client& client, std::string issuer) {
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  json conf;
  try {
    conf = client.get_json(issuer + "/.well-known/openid-configuration");
  } catch (const std::exception& e) {
    throw SignInError(
        fmt::format("cannot read the sign-in provider's configuration at {}: {}; check 'oidc_issuer' "
                    "and the network, then relman resume",
                    issuer, e.what()));
  }
  Endpoints ep{conf.value("authorization_endpoint", ""), conf.value("token_endpoint", "")};
  if (ep.authorize.empty() || ep.token.empty())
    throw SignInError(fmt::format(
        "the sign-in provider at {} names no authorization_endpoint or token_endpoint; is 'oidc_issuer' an OpenID "
        "Connect issuer?",
        issuer));
  return ep;
}

// The one answer a sign-in waits for (the redirect's query), and the URL the
// listener sends other requests to, set once its port is known.
class Mailbox {
 public:
  void set_url(std::string url) {
    std::lock_guard lock(mu_);
    url_ = std::move(url);
  }
  std::string url() {
    std::lock_guard lock(mu_);
    return url_;
  }
  void put(Params p) {
    std::lock_guard lock(mu_);
    if (!got_) got_ = std::move(p);
    cv_.notify_all();
  }
  std::optional<Params> wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return got_.has_value(); });
    return got_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Params> got_;
  std::string url_;
};

const char* kSignedInPage =
    "<!doctype html><html><head><title>relman: signed in</title></head><body><h1>Signed in for Sigstore</h1>"
    "<p>relman has your sign-in and is signing the release. You can close this tab.</p></body></html>";
const char* kRefusedPage =
    "<!doctype html><html><head><title>relman: sign-in failed</title></head><body><h1>The sign-in did not "
    "complete</h1><p>relman has stopped; its terminal says why. Run <code>relman resume</code> to sign in "
    "again.</p></body></html>";

// The claims part of a JWT, or null when it is not one.
json claims_of(const std::string& jwt) {
  auto a = jwt.find('.');
  auto b = a == std::string::npos ? a : jwt.find('.', a + 1);
  if (b == std::string::npos) return nullptr;
  try {
    return json::parse(rs::base64_decode(jwt.substr(a + 1, b - a - 1)));
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

std::string redirect_uri_for(int port) { return fmt::format("http://localhost:{}/auth/callback", port); }

std::string s256_challenge(const std::string& verifier) { return rs::base64url_encode(rs::sha256_raw(verifier)); }

std::string sign_in(const http::Client& client, const SignIn& how) {
  auto secret = [&](const std::string& s, const std::string& what) {
    if (how.on_secret) how.on_secret(s, what);
  };
  const Endpoints ep = discover(client, how.issuer);
  const std::string verifier = random_string(32);
  secret(verifier, "the sign-in's PKCE verifier");
  const std::string state = random_string(16);
  const std::string nonce = random_string(16);

  Mailbox mailbox;
  std::string auth_url;
  auto auth_url_for = [&](const std::string& redirect) {
    return ep.authorize + (ep.authorize.find('?') == std::string::npos ? "?" : "&") +
           form({{"response_type", "code"},
                 {"client_id", how.client_id},
                 {"client_secret", how.client_secret},
                 {"scope", "openid email"},
                 {"redirect_uri", redirect},
                 {"code_challenge", s256_challenge(verifier)},
                 {"code_challenge_method", "S256"},
                 {"state", state},
                 {"nonce", nonce}});
  };

  std::string redirect;
  std::optional<Params> answer;
  if (how.out_of_band) {
    redirect = kOutOfBandRedirect;
    auth_url = auth_url_for(redirect);
    if (how.show) how.show(auth_url);
    std::string code = how.ask_code ? how.ask_code() : "";
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r' || code.back() == ' ')) code.pop_back();
    if (code.empty())
      throw SignInError("no sign-in code was entered; relman resume to sign in again, or give a token instead");
    answer = Params{{"code", code}, {"state", state}};
  } else {
    // Any other path sends the browser to the provider, so the short
    // address of the listener works as well as the long URL.
    loopback::Server server([&](const loopback::Request& r) {
      std::string path = r.target.substr(0, r.target.find('?'));
      if (path != "/auth/callback") {
        loopback::Reply to_provider{302, "", "text/html", {{"Location", mailbox.url()}}};
        return to_provider;
      }
      Params p;
      try {
        p = parse_query(r.target.find('?') == std::string::npos ? "" : r.target.substr(r.target.find('?') + 1));
      } catch (const std::exception&) {
        p = {{"error", "malformed_redirect"}};
      }
      bool ok = !p.count("error") && p.count("code") && p["state"] == state;
      mailbox.put(std::move(p));
      return loopback::Reply{ok ? 200 : 400, ok ? kSignedInPage : kRefusedPage, "text/html; charset=utf-8", {}};
    });
    redirect = redirect_uri_for(server.port());
    auth_url = auth_url_for(redirect);
    mailbox.set_url(auth_url);
    if (how.show) how.show(auth_url);
    answer = mailbox.wait(how.timeout);
    if (!answer)
      throw SignInError(fmt::format(
          "nobody signed in within {} s; relman resume to sign in again (if the browser runs on another machine "
          "than relman, set the step's 'sign_in' to 'code' and paste the code the provider shows)",
          std::chrono::duration_cast<std::chrono::seconds>(how.timeout).count()));
  }
  Params& got = *answer;
  if (got.count("code") && !got["code"].empty()) secret(got["code"], "the sign-in's authorization code");
  if (got.count("error"))
    throw SignInError(fmt::format("the sign-in provider refused: {}{}; relman resume to sign in again", got["error"],
                                  got.count("error_description") ? " (" + got["error_description"] + ")" : ""));
  if (got["state"] != state)
    throw SignInError(
        "the sign-in came back with another state than relman sent (a stale browser tab, or another program "
        "calling the listener); relman resume to sign in again");
  if (got["code"].empty()) throw SignInError("the sign-in came back without a code; relman resume to sign in again");

  http::Request req;
  req.method = "POST";
  req.url = ep.token;
  req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
                 "Authorization: Basic " + rs::base64_encode(how.client_id + ":" + how.client_secret)};
  req.body = form({{"grant_type", "authorization_code"},
                   {"redirect_uri", redirect},
                   {"code", got["code"]},
                   {"code_verifier", verifier}});
  http::Response resp;
  try {
    resp = client.send(req);
  } catch (const std::exception& e) {
    throw SignInError(
        fmt::format("the sign-in provider's token endpoint failed: {}; relman resume to sign in again", e.what()));
  }
  json body = json::parse(resp.body, nullptr, false);
  if (!resp.ok() || body.is_discarded() || !body.is_object() || body.contains("error")) {
    std::string why =
        body.is_object() && body.contains("error")
            ? body["error"].dump() +
                  (body.contains("error_description") ? " (" + body["error_description"].dump() + ")" : std::string())
            : fmt::format("HTTP {}", resp.status);
    throw SignInError(fmt::format(
        "the sign-in provider did not exchange the code for a token: {}; relman resume to sign in again", why));
  }
  std::string token;
  if (body.contains("id_token") && body["id_token"].is_string()) token = body["id_token"].get<std::string>();
  if (token.empty() && body.contains("access_token") && body["access_token"].is_string())
    token = body["access_token"].get<std::string>();
  if (token.empty()) throw SignInError("the sign-in provider answered without an id_token or access_token");
  secret(token, "the sign-in's identity token");
  json claims = claims_of(token);
  if (claims.is_object() && claims.contains("nonce") && claims["nonce"] != nonce)
    throw SignInError(
        "the identity token carries another nonce than relman sent: it was not issued for this sign-in; relman "
        "resume to sign in again");
  return token;
}

}  // namespace relman::oidc
