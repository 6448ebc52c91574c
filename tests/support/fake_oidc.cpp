#include "support/fake_oidc.h"

#include <random>

#include <nlohmann/json.hpp>

#include "adapters/http.h"
#include "adapters/oidc_sign_in.h"
#include "adapters/percent_encoding.h"
#include "adapters/sigstore_crypto.h"

namespace relman::test {

namespace {

using json = nlohmann::json;
using Params = std::map<std::string, std::string>;

std::string random_hex() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(rd()) + std::to_string(rd());
}

loopback::Reply bad(const std::string& error) {
  return {400,
          json{{"error", error}, {"error_description", "the fake provider refused: " + error}}.dump(),
          "application/json",
          {}};
}

}  // namespace

FakeOidc::FakeOidc() : server_([this](const loopback::Request& r) { return handle(r); }) {}

void FakeOidc::behave(const Behaviour& b) {
  std::lock_guard lock(mu_);
  b_ = b;
}

loopback::Reply FakeOidc::handle(const loopback::Request& r) {
  std::lock_guard lock(mu_);
  const std::string path = r.target.substr(0, r.target.find('?'));
  const std::string query = r.target.find('?') == std::string::npos ? "" : r.target.substr(r.target.find('?') + 1);
  if (path == "/auth/.well-known/openid-configuration") {
    return {200,
            json{{"issuer", server_.url() + "/auth"},
                 {"authorization_endpoint", server_.url() + "/auth/auth"},
                 {"token_endpoint", server_.url() + "/auth/token"}}
                .dump(),
            "application/json",
            {}};
  }
  if (path == "/auth/auth" && r.method == "GET") {
    authorize_ = parse_query(query);
    Params& p = authorize_;
    if (p["response_type"] != "code" || p["code_challenge_method"] != "S256" || p["code_challenge"].size() != 43 ||
        p["state"].empty() || p["nonce"].empty() || p["scope"] != "openid email")
      return bad("invalid_request");
    challenge_ = p["code_challenge"];
    nonce_ = p["nonce"];
    redirect_ = p["redirect_uri"];
    code_ = "code-" + random_hex();
    code_used_ = false;
    if (redirect_ == oidc::kOutOfBandRedirect) return {200, code_, "text/plain", {}};
    std::string back = redirect_ + "?";
    if (!b_.deny.empty()) back += "error=" + b_.deny + "&error_description=" + percent_encode("the user said no");
    else back += "code=" + code_;
    back += "&state=" + (b_.wrong_state ? std::string("another-state") : p["state"]);
    return {302, "", "text/html", {{"Location", back}}};
  }
  if (path == "/auth/token" && r.method == "POST") {
    ++token_requests_;
    form_ = parse_query(r.body);
    authorization_ = r.headers.count("authorization") ? r.headers.at("authorization") : "";
    if (!b_.token_error.empty()) return bad(b_.token_error);
    if (authorization_ != "Basic " + sigstore::base64_encode("sigstore:")) return bad("invalid_client");
    if (form_["grant_type"] != "authorization_code" || code_used_ || form_["code"] != code_ ||
        form_["redirect_uri"] != redirect_ || oidc::s256_challenge(form_["code_verifier"]) != challenge_)
      return bad("invalid_grant");
    code_used_ = true;  // a code is good once
    json claims = {{"iss", server_.url() + "/auth"},
                   {"sub", "Cg" + random_hex()},
                   {"aud", "sigstore"},
                   {"email", b_.email},
                   {"email_verified", true},
                   {"nonce", b_.wrong_nonce ? std::string("another-nonce") : nonce_},
                   {"federated_claims", {{"connector_id", b_.federated_issuer}, {"user_id", "1"}}}};
    token_ = sigstore::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
             sigstore::base64url_encode(claims.dump()) + "." + sigstore::base64url_encode(random_hex());
    json answer = {{"access_token", token_}, {"token_type", "bearer"}, {"expires_in", 60}};
    if (!b_.access_token_only) answer["id_token"] = token_;
    return {200, answer.dump(), "application/json", {}};
  }
  return {404, "{}", "application/json", {}};
}

std::string FakeOidc::visit(const std::string& url) {
  http::Options o;
  o.loopback_only = true;
  o.max_attempts = 1;
  http::Client browser(o);
  http::Request req;
  req.url = url;
  auto resp = browser.send(req);
  bool oob = url.find(percent_encode(oidc::kOutOfBandRedirect)) != std::string::npos;
  return oob ? resp.body : std::to_string(resp.status);
}

std::map<std::string, std::string> FakeOidc::authorize_params() const {
  std::lock_guard lock(mu_);
  return authorize_;
}
std::map<std::string, std::string> FakeOidc::token_form() const {
  std::lock_guard lock(mu_);
  return form_;
}
std::string FakeOidc::token_authorization() const {
  std::lock_guard lock(mu_);
  return authorization_;
}
std::string FakeOidc::issued_token() const {
  std::lock_guard lock(mu_);
  return token_;
}
std::string FakeOidc::issued_code() const {
  std::lock_guard lock(mu_);
  return code_;
}
int FakeOidc::token_requests() const {
  std::lock_guard lock(mu_);
  return token_requests_;
}

}  // namespace relman::test
