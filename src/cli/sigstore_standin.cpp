#include "cli/sigstore_standin.h"

#include <fmt/format.h>

#include <ctime>
#include <stdexcept>

#include "adapters/durable.h"
#include "cli/merkle_tree.h"

namespace relman::cli {

namespace {

using json = nlohmann::json;
namespace rs = relman::sigstore;

constexpr std::int64_t kCertificateSeconds = 600;  // Fulcio's ten minutes
constexpr std::int64_t kDay = 86400;

struct Problem : std::runtime_error {
  int status;
  Problem(int s, const std::string& m) : std::runtime_error(m), status(s) {}
};

std::string utc(std::int64_t t) { return relman::sigstore::rfc3339_utc(t); }

loopback::Reply reply(int status, const json& body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {status, body.dump(), "application/json", std::move(headers)};
}

loopback::Reply problem(int status, const std::string& message) {
  return reply(status, {{"code", status}, {"message", message}});
}

json claims_of(const std::string& token) {
  auto first = token.find('.');
  auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) throw Problem(401, "the identity token is not a JWT");
  try {
    return json::parse(rs::base64_decode(token.substr(first + 1, second - first - 1)));
  } catch (const std::exception& e) {
    throw Problem(401, std::string("unreadable identity token: ") + e.what());
  }
}

std::string str_at(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* k : path) {
    if (!at->is_object() || !at->contains(k)) throw Problem(400, fmt::format("the request has no '{}'", k));
    at = &(*at)[k];
  }
  if (!at->is_string()) throw Problem(400, "a field that must be a string is not one");
  return at->get<std::string>();
}

}  // namespace

SigstoreStandin::SigstoreStandin(std::filesystem::path dir) : dir_(std::move(dir)) {
  durable::create_directories_durable(dir_);
  auto instance = dir_ / "instance.json";
  if (std::filesystem::exists(instance)) {
    json j = json::parse(durable::read_file(instance));
    ca_key_ = std::make_unique<rs::StandinKey>(rs::StandinKey::from_private_pem(j.at("ca_key").get<std::string>()));
    log_key_ = std::make_unique<rs::StandinKey>(rs::StandinKey::from_private_pem(j.at("log_key").get<std::string>()));
    ca_ = std::make_unique<rs::Certificate>(rs::Certificate::from_pem(j.at("ca").get<std::string>()));
  } else {
    std::int64_t now = std::time(nullptr);
    ca_key_ = std::make_unique<rs::StandinKey>(rs::StandinKey::generate());
    log_key_ = std::make_unique<rs::StandinKey>(rs::StandinKey::generate());
    ca_ = std::make_unique<rs::Certificate>(
        rs::make_ca_certificate(*ca_key_, "relman rehearsal", "sigstore-stand-in", now - kDay, now + 3650 * kDay));
    // One file, written atomically: a kill leaves the old instance or the new.
    durable::write_atomic(
        instance,
        json{{"ca_key", ca_key_->private_pem()}, {"log_key", log_key_->private_pem()}, {"ca", ca_->pem()}}.dump(2),
        0600);
  }
  log_id_ = rs::sha256_raw(log_key_->public_der());
  auto log = dir_ / "log.json";
  if (std::filesystem::exists(log)) {
    for (const json& e : json::parse(durable::read_file(log)))
      log_.push_back({e.at("uuid"), rs::base64_decode(e.at("body").get<std::string>()), e.at("integratedTime"),
                      e.at("logIndex"), e.at("set"), e.at("sha256")});
  }
}

void SigstoreStandin::serve_at(const std::string& base_url) {
  std::lock_guard lock(mu_);
  base_url_ = base_url;
}

void SigstoreStandin::save_log() const {
  json all = json::array();
  for (const Entry& e : log_)
    all.push_back({{"uuid", e.uuid},
                   {"body", rs::base64_encode(e.body)},
                   {"integratedTime", e.integrated_time},
                   {"logIndex", e.index},
                   {"set", e.set},
                   {"sha256", e.sha256}});
  durable::write_atomic(dir_ / "log.json", all.dump(2));
}

json SigstoreStandin::trusted_root() const {
  std::lock_guard lock(mu_);
  std::string start = utc(ca_->not_before());
  return {{"mediaType", "application/vnd.dev.sigstore.trustedroot+json;version=0.1"},
          {"tlogs",
           {{{"baseUrl", base_url_},
             {"hashAlgorithm", "SHA2_256"},
             {"publicKey",
              {{"rawBytes", rs::base64_encode(log_key_->public_der())},
               {"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
               {"validFor", {{"start", start}}}}},
             {"logId", {{"keyId", rs::base64_encode(log_id_)}}}}}},
          {"certificateAuthorities",
           {{{"subject", {{"organization", "relman rehearsal"}, {"commonName", "sigstore-stand-in"}}},
             {"uri", base_url_},
             {"certChain", {{"certificates", {{{"rawBytes", rs::base64_encode(ca_->der())}}}}}},
             {"validFor", {{"start", start}}}}}},
          {"ctlogs", json::array()},
          {"timestampAuthorities", json::array()}};
}

json SigstoreStandin::entries() const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const Entry& e : log_) {
    json body = json::parse(e.body);
    body["uuid"] = e.uuid;
    out.push_back(body);
  }
  return out;
}

loopback::Reply SigstoreStandin::handle(const loopback::Request& req) {
  std::lock_guard lock(mu_);
  try {
    const std::string entries_path = "/api/v1/log/entries";
    if (req.method == "GET" && req.target.rfind(entries_path + "/", 0) == 0) {
      std::string uuid = req.target.substr(entries_path.size() + 1);
      for (const Entry& e : log_)
        if (e.uuid == uuid) return reply(200, entry_json(e));
      return problem(404, "no entry " + uuid);
    }
    if (req.method != "POST") return problem(404, "not found");
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::exception&) {
      return problem(400, "the body is not JSON");
    }
    if (req.target == "/api/v2/signingCert") return signing_cert(body);
    if (req.target == entries_path) return add_entry(body);
    if (req.target == "/api/v1/index/retrieve") {
      std::string h = body.value("hash", "");
      if (auto colon = h.find(':'); colon != std::string::npos) h = h.substr(colon + 1);
      json uuids = json::array();
      for (const Entry& e : log_)
        if (e.sha256 == h) uuids.push_back(e.uuid);
      return reply(200, uuids);
    }
    return problem(404, "not found");
  } catch (const Problem& p) {
    return problem(p.status, p.what());
  } catch (const std::exception& e) {
    return problem(400, std::string("bad request: ") + e.what());
  }
}

loopback::Reply SigstoreStandin::signing_cert(const json& req) {
  json claims = claims_of(str_at(req, {"credentials", "oidcIdentityToken"}));
  std::string issuer = claims.value("iss", "");
  // Fulcio certifies a federating provider's upstream issuer (Sigstore's Dex).
  if (claims.contains("federated_claims") && claims["federated_claims"].is_object())
    issuer = claims["federated_claims"].value("connector_id", issuer);
  std::string subject = claims.value("email", claims.value("sub", ""));
  if (issuer.empty() || subject.empty()) throw Problem(401, "the token has no iss or no email/sub");
  std::string pem = str_at(req, {"publicKeyRequest", "publicKey", "content"});
  std::string pop = rs::base64_decode(str_at(req, {"publicKeyRequest", "proofOfPossession"}));
  if (!rs::verify_with_key(rs::public_pem_to_der(pem), subject, pop))
    throw Problem(400, "the proof of possession does not verify over the token's subject");
  std::int64_t now = std::time(nullptr);
  auto leaf = rs::issue_leaf(*ca_, *ca_key_, {pem, subject, issuer, now, now + kCertificateSeconds});
  return reply(201, {{"signedCertificateEmbeddedSct", {{"chain", {{"certificates", {leaf.pem(), ca_->pem()}}}}}}});
}

loopback::Reply SigstoreStandin::add_entry(const json& req) {
  if (req.value("kind", "") != "hashedrekord" || req.value("apiVersion", "") != "0.0.1")
    throw Problem(400, "only hashedrekord 0.0.1 entries are accepted");
  std::string digest_hex = str_at(req, {"spec", "data", "hash", "value"});
  for (auto& c : digest_hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (str_at(req, {"spec", "data", "hash", "algorithm"}) != "sha256" || digest_hex.size() != 64)
    throw Problem(400, "the hash must be sha256");
  std::string sig_b64 = str_at(req, {"spec", "signature", "content"});
  std::string cert_b64 = str_at(req, {"spec", "signature", "publicKey", "content"});
  auto cert = rs::Certificate::from_pem(rs::base64_decode(cert_b64));
  if (!cert.verifies_digest(rs::hex_decode(digest_hex), rs::base64_decode(sig_b64)))
    throw Problem(400, "the signature does not verify over the hash with the certificate's key");
  // nlohmann's objects keep keys sorted and dump() is compact: canonical JSON.
  std::string body = json{{"apiVersion", "0.0.1"},
                          {"kind", "hashedrekord"},
                          {"spec",
                           {{"data", {{"hash", {{"algorithm", "sha256"}, {"value", digest_hex}}}}},
                            {"signature", {{"content", sig_b64}, {"publicKey", {{"content", cert_b64}}}}}}}}
                         .dump();
  std::string uuid = rs::hex_encode(merkle_leaf_hash(body));
  std::vector<std::pair<std::string, std::string>> where = {{"Location", "/api/v1/log/entries/" + uuid}};
  for (const Entry& e : log_)
    if (e.uuid == uuid) return reply(409, {{"code", 409}, {"message", "an equivalent entry already exists"}}, where);
  Entry e{uuid, body, std::time(nullptr), log_.size(), "", digest_hex};
  json promise = {{"body", rs::base64_encode(body)},
                  {"integratedTime", e.integrated_time},
                  {"logID", rs::hex_encode(log_id_)},
                  {"logIndex", e.index}};
  e.set = rs::base64_encode(log_key_->sign(promise.dump()));
  log_.push_back(e);
  save_log();
  return reply(201, entry_json(e), where);
}

std::string SigstoreStandin::checkpoint(std::size_t size, const std::string& root) const {
  std::string host = base_url_.substr(base_url_.find("://") == std::string::npos ? 0 : base_url_.find("://") + 3);
  std::string origin = host + " - 1";
  std::string note = fmt::format("{}\n{}\n{}\n", origin, size, rs::base64_encode(root));
  std::string sig = log_key_->sign(note);
  return note + "\n\u2014 " + host + " " + rs::base64_encode(log_id_.substr(0, 4) + sig) + "\n";
}

json SigstoreStandin::entry_json(const Entry& e) const {
  std::vector<std::string> leaves;
  for (const Entry& x : log_) leaves.push_back(merkle_leaf_hash(x.body));
  std::string root = merkle_root(leaves);
  json hashes = json::array();
  for (const auto& h : merkle_path(e.index, leaves)) hashes.push_back(rs::hex_encode(h));
  json proof = {{"logIndex", e.index},
                {"rootHash", rs::hex_encode(root)},
                {"treeSize", leaves.size()},
                {"hashes", hashes},
                {"checkpoint", checkpoint(leaves.size(), root)}};
  return {{e.uuid,
           {{"body", rs::base64_encode(e.body)},
            {"integratedTime", e.integrated_time},
            {"logID", rs::hex_encode(log_id_)},
            {"logIndex", e.index},
            {"verification", {{"signedEntryTimestamp", e.set}, {"inclusionProof", proof}}}}}};
}

RunningSigstoreStandin::RunningSigstoreStandin(const std::filesystem::path& dir)
    : dir_(dir), standin_(dir), server_([this](const loopback::Request& r) { return standin_.handle(r); }) {
  standin_.serve_at(server_.url());
  durable::write_atomic(trusted_root_path(), standin_.trusted_root().dump(2));
}

}  // namespace relman::cli
