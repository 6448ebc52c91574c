#include "steps/sigstore_bundle.h"

#include <ctime>
#include <stdexcept>

#include <fmt/format.h>

#include "adapters/durable.h"

namespace relman::steps::sigstore {

namespace rs = relman::sigstore;

namespace {

// Protobuf's JSON writes 64-bit integers as strings; Rekor writes numbers.
std::int64_t to_int(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) return std::stoll(v.get<std::string>());
  throw std::runtime_error("not an integer: " + v.dump());
}

std::string utc(std::int64_t t) { return relman::sigstore::rfc3339_utc(t); }

const TransparencyLog* find_log(const TrustRoot& root, const std::string& key_id) {
  for (const auto& l : root.logs)
    if (l.key_id == key_id) return &l;
  return nullptr;
}

// A signed note (https://github.com/C2SP/C2SP/blob/main/signed-note.md):
// empty when a signature by `log` covers it and it names `size` and `root`.
std::string checkpoint_problem(const std::string& envelope, const TransparencyLog& log, std::uint64_t size,
                               const std::string& root) {
  auto split = envelope.find("\n\n");
  if (split == std::string::npos) return "the checkpoint is not a signed note";
  std::string note = envelope.substr(0, split + 1);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < note.size();) {
    auto nl = note.find('\n', pos);
    lines.push_back(note.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() < 3) return "the checkpoint has fewer than three lines";
  if (lines[1] != std::to_string(size) || rs::base64_decode(lines[2]) != root)
    return "the checkpoint names another tree than the inclusion proof";
  const std::string dash = "\xe2\x80\x94 ";
  for (size_t pos = split + 2; pos < envelope.size();) {
    auto nl = envelope.find('\n', pos);
    std::string line = envelope.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? envelope.size() : nl + 1;
    if (line.rfind(dash, 0) != 0) continue;
    auto sp = line.rfind(' ');
    std::string sig = rs::base64_decode(line.substr(sp + 1));
    if (sig.size() > 4 && sig.compare(0, 4, log.key_id, 0, 4) == 0 &&
        rs::verify_with_key(log.public_key, note, sig.substr(4)))
      return {};
  }
  return "no signature on the checkpoint verifies with the trust root's log key";
}

}  // namespace

TrustRoot load_trust_root(const std::filesystem::path& path) {
  TrustRoot root;
  try {
    json j = json::parse(durable::read_file(path));
    if (j.value("mediaType", "") != kTrustedRootMediaType)
      throw std::runtime_error(
          fmt::format("media type is '{}', not {}", j.value("mediaType", ""), kTrustedRootMediaType));
    for (const auto& ca : j.at("certificateAuthorities"))
      for (const auto& c : ca.at("certChain").at("certificates"))
        root.authorities.push_back(rs::Certificate::from_der(rs::base64_decode(c.at("rawBytes").get<std::string>())));
    for (const auto& t : j.at("tlogs"))
      root.logs.push_back({rs::base64_decode(t.at("logId").at("keyId").get<std::string>()),
                           rs::base64_decode(t.at("publicKey").at("rawBytes").get<std::string>())});
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("{} is not a usable Sigstore trusted_root.json: {}; give the trusted root of "
                    "the instance that signed ('trusted_root' parameter)",
                    path.string(), e.what()));
  }
  if (root.authorities.empty() || root.logs.empty())
    throw std::runtime_error(fmt::format("{} names no certificate authority or no transparency log", path.string()));
  return root;
}

bool inclusion_verifies(std::uint64_t index, std::uint64_t size, const std::string& leaf_hash,
                        const std::vector<std::string>& proof, const std::string& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  std::string r = leaf_hash;
  auto node = [](const std::string& left, const std::string& right) {
    std::string in = "\x01";
    in += left;
    in += right;
    return rs::sha256_raw(in);
  };
  for (const auto& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node(p, r);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

TokenClaims read_claims(const std::string& jwt) {
  auto a = jwt.find('.');
  auto b = a == std::string::npos ? a : jwt.find('.', a + 1);
  if (b == std::string::npos)
    throw std::runtime_error("the identity token is not a JWT (header.payload.signature); get a fresh one");
  json claims;
  try {
    claims = json::parse(rs::base64_decode(jwt.substr(a + 1, b - a - 1)));
  } catch (const std::exception&) {
    throw std::runtime_error("the identity token's claims are unreadable; get a fresh token");
  }
  TokenClaims c;
  c.issuer = claims.value("iss", "");
  // A federating provider (Sigstore's own, in front of GitHub, Google and
  // Microsoft) names the upstream issuer here, and Fulcio certifies that one.
  if (claims.contains("federated_claims") && claims["federated_claims"].is_object()) {
    const json& f = claims["federated_claims"];
    if (f.contains("connector_id") && f["connector_id"].is_string() && !f["connector_id"].get<std::string>().empty())
      c.issuer = f["connector_id"].get<std::string>();
  }
  c.subject = claims.contains("email") && claims["email"].is_string() ? claims["email"].get<std::string>()
                                                                      : claims.value("sub", "");
  if (c.issuer.empty() || c.subject.empty())
    throw std::runtime_error("the identity token names no issuer (iss) or no identity (email/sub)");
  return c;
}

json bundle_from_entry(const json& entry, const std::string& cert_der, const std::string& digest,
                       const std::string& signature) {
  const json& e = entry.begin().value();
  const json& v = e.at("verification");
  json tlog = {
      {"logIndex", std::to_string(to_int(e.at("logIndex")))},
      {"logId", {{"keyId", rs::base64_encode(rs::hex_decode(e.at("logID").get<std::string>()))}}},
      {"kindVersion", {{"kind", "hashedrekord"}, {"version", "0.0.1"}}},
      {"integratedTime", std::to_string(to_int(e.at("integratedTime")))},
      {"inclusionPromise", {{"signedEntryTimestamp", v.at("signedEntryTimestamp")}}},
      {"canonicalizedBody", e.at("body")},
  };
  if (v.contains("inclusionProof")) {
    const json& p = v["inclusionProof"];
    json hashes = json::array();
    for (const auto& h : p.at("hashes")) hashes.push_back(rs::base64_encode(rs::hex_decode(h.get<std::string>())));
    tlog["inclusionProof"] = {
        {"logIndex", std::to_string(to_int(p.at("logIndex")))},
        {"rootHash", rs::base64_encode(rs::hex_decode(p.at("rootHash").get<std::string>()))},
        {"treeSize", std::to_string(to_int(p.at("treeSize")))},
        {"hashes", hashes},
        {"checkpoint", {{"envelope", p.at("checkpoint")}}},
    };
  }
  return {
      {"mediaType", kBundleMediaType},
      {"verificationMaterial", {{"certificate", {{"rawBytes", rs::base64_encode(cert_der)}}}, {"tlogEntries", {tlog}}}},
      {"messageSignature",
       {{"messageDigest", {{"algorithm", "SHA2_256"}, {"digest", rs::base64_encode(digest)}}},
        {"signature", rs::base64_encode(signature)}}},
  };
}

namespace {

struct Parsed {
  rs::Certificate cert;
  std::string signature;
  json tlog;
  std::string body;
};

Parsed parse(const json& bundle) {
  if (!bundle.is_object()) throw std::runtime_error("not a JSON object");
  std::string media = bundle.value("mediaType", "");
  if (media.rfind("application/vnd.dev.sigstore.bundle", 0) != 0)
    throw std::runtime_error("media type is '" + media + "'");
  const json& vm = bundle.at("verificationMaterial");
  std::string der;
  if (vm.contains("certificate")) der = rs::base64_decode(vm["certificate"].at("rawBytes").get<std::string>());
  else if (vm.contains("x509CertificateChain"))
    der = rs::base64_decode(vm["x509CertificateChain"].at("certificates").at(0).at("rawBytes").get<std::string>());
  else throw std::runtime_error("no certificate in verificationMaterial");
  const json& ms = bundle.at("messageSignature");
  if (ms.at("messageDigest").value("algorithm", "") != "SHA2_256")
    throw std::runtime_error("the message digest is not SHA2_256");
  if (!vm.contains("tlogEntries") || vm["tlogEntries"].empty()) throw std::runtime_error("no transparency log entry");
  Parsed p{rs::Certificate::from_der(der), rs::base64_decode(ms.at("signature").get<std::string>()),
           vm["tlogEntries"][0], ""};
  p.body = rs::base64_decode(p.tlog.at("canonicalizedBody").get<std::string>());
  return p;
}

std::string self_problem(const Parsed& p, const std::string& digest) {
  if (!p.cert.verifies_digest(digest, p.signature))
    return "the signature does not verify over the file's SHA-256 with the bundle's certificate: the file changed "
           "after signing, or the bundle belongs to another file; get the right file, or sign it again";
  json body = json::parse(p.body);
  const json& spec = body.at("spec");
  if (body.value("kind", "") != "hashedrekord" ||
      spec.at("data").at("hash").value("value", "") != rs::hex_encode(digest) ||
      rs::base64_decode(spec.at("signature").value("content", "")) != p.signature ||
      rs::Certificate::from_pem(rs::base64_decode(spec.at("signature").at("publicKey").value("content", ""))).der() !=
          p.cert.der())
    return "the transparency log entry records another digest, signature or certificate than the bundle: the bundle "
           "was altered; sign again";
  if (!p.tlog.contains("inclusionProof"))
    return "the bundle has no inclusion proof: it cannot show the entry is in the log; sign again with a relman that "
           "writes v0.3 bundles, or fetch the entry's proof from the log";
  const json& ip = p.tlog["inclusionProof"];
  std::vector<std::string> hashes;
  for (const auto& h : ip.at("hashes")) hashes.push_back(rs::base64_decode(h.get<std::string>()));
  if (!inclusion_verifies(static_cast<std::uint64_t>(to_int(ip.at("logIndex"))),
                          static_cast<std::uint64_t>(to_int(ip.at("treeSize"))),
                          rs::sha256_raw(std::string(1, '\0') + p.body), hashes,
                          rs::base64_decode(ip.at("rootHash").get<std::string>())))
    return "the inclusion proof does not recompute to its root hash: the bundle was altered; sign again";
  return {};
}

}  // namespace

std::string bundle_self_problem(const json& bundle, const std::string& digest) {
  try {
    return self_problem(parse(bundle), digest);
  } catch (const std::exception& e) {
    return fmt::format("the bundle is not a readable Sigstore bundle ({}); sign again", e.what());
  }
}

std::string bundle_problem(const json& bundle, const TrustRoot& root, const Expectation& want) {
  try {
    Parsed p = parse(bundle);
    if (auto why = self_problem(p, want.digest); !why.empty()) return why;
    const json& t = p.tlog;
    std::string key_id = rs::base64_decode(t.at("logId").at("keyId").get<std::string>());
    const TransparencyLog* log = find_log(root, key_id);
    if (!log)
      return fmt::format(
          "the bundle's transparency log (key id {}) is not in the trust root: give the trusted root of "
          "the instance that signed ('trusted_root' parameter)",
          rs::hex_encode(key_id));
    if (!t.contains("inclusionPromise"))
      return "the bundle has no inclusion promise (signed entry timestamp): its integratedTime cannot be trusted; sign "
             "again";
    std::int64_t integrated = to_int(t.at("integratedTime"));
    std::int64_t index = to_int(t.at("logIndex"));
    json payload = {{"body", t.at("canonicalizedBody")},
                    {"integratedTime", integrated},
                    {"logID", rs::hex_encode(key_id)},
                    {"logIndex", index}};
    if (!rs::verify_with_key(log->public_key, payload.dump(),
                             rs::base64_decode(t["inclusionPromise"].at("signedEntryTimestamp").get<std::string>())))
      return "the signed entry timestamp does not verify with the trust root's log key: the bundle was altered or "
             "the trust root is another instance's; check 'trusted_root'";
    const json& ip = t.at("inclusionProof");
    if (!ip.contains("checkpoint"))
      return "the inclusion proof has no checkpoint: nothing signs its root hash; sign again";
    if (auto why = checkpoint_problem(ip["checkpoint"].at("envelope").get<std::string>(), *log,
                                      static_cast<std::uint64_t>(to_int(ip.at("treeSize"))),
                                      rs::base64_decode(ip.at("rootHash").get<std::string>()));
        !why.empty())
      return why + ": the bundle was altered or the trust root is another instance's; check 'trusted_root'";
    if (integrated < p.cert.not_before() || integrated > p.cert.not_after())
      return fmt::format(
          "the signing certificate was not valid when the log integrated the entry ({}; valid {} to "
          "{}): the signature was logged outside the certificate's 10 minutes; sign again",
          utc(integrated), utc(p.cert.not_before()), utc(p.cert.not_after()));
    if (auto why = rs::chain_problem(p.cert, root.authorities, static_cast<std::time_t>(integrated)); !why.empty())
      return fmt::format(
          "the signing certificate does not chain to the trust root's certificate authority ({}): "
          "give the trusted root of the instance that signed ('trusted_root' parameter)",
          why);
    if (!p.cert.has_code_signing_eku())
      return "the signing certificate is not for code signing (no code-signing extended key usage)";
    if (!want.identity.empty() && p.cert.identity() != want.identity)
      return fmt::format(
          "the bundle is signed by '{}', not by the expected identity '{}': check the 'identity' "
          "parameter (the release manager's published identity) or sign with that identity",
          p.cert.identity(), want.identity);
    if (!want.issuer.empty() && p.cert.oidc_issuer() != want.issuer)
      return fmt::format(
          "the signing identity was vouched for by the issuer '{}', not the expected '{}': check the "
          "'issuer' parameter or sign through that issuer",
          p.cert.oidc_issuer(), want.issuer);
    return {};
  } catch (const std::exception& e) {
    return fmt::format("the bundle is not a readable Sigstore bundle ({}); sign again", e.what());
  }
}

}  // namespace relman::steps::sigstore
