// Sigstore bundles (media type v0.3) for sigstore.sign and sigstore.verify:
// the trust root, the bundle's verification, the Merkle inclusion proof and
// the signed checkpoint, and the Rekor entry -> bundle translation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/sigstore_crypto.h"

namespace relman::steps::sigstore {

using json = nlohmann::json;

inline constexpr const char* kBundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";
inline constexpr const char* kTrustedRootMediaType = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

struct TransparencyLog {
  std::string key_id;      // raw bytes (SHA-256 of the key's DER)
  std::string public_key;  // SubjectPublicKeyInfo DER
};

// A Sigstore trusted_root.json: the CAs' certificates and the logs' keys.
struct TrustRoot {
  std::vector<relman::sigstore::Certificate> authorities;
  std::vector<TransparencyLog> logs;
};
// Throws std::runtime_error naming the file and what is wrong with it.
TrustRoot load_trust_root(const std::filesystem::path& path);

// What a bundle must show.
struct Expectation {
  std::string digest;    // raw SHA-256 of the file
  std::string identity;  // the SAN; empty: any
  std::string issuer;    // the OIDC issuer; empty: any
};

// Empty when `bundle` verifies against `root` for `want`; else the reason,
// each naming what to do about it.
std::string bundle_problem(const json& bundle, const TrustRoot& root, const Expectation& want);

// The checks that need no trust root (the signature over the digest, the
// bundle's own consistency and the Merkle path): empty when they pass.
std::string bundle_self_problem(const json& bundle, const std::string& digest);

// RFC 6962/9162: does `proof` lead from the leaf hash at `index` to `root`
// in a tree of `size` leaves?
bool inclusion_verifies(std::uint64_t index, std::uint64_t size, const std::string& leaf_hash,
                        const std::vector<std::string>& proof, const std::string& root);

// One Rekor entry ({uuid: {body, integratedTime, logID, logIndex,
// verification}}) as a bundle around the certificate `cert_der`.
json bundle_from_entry(const json& entry, const std::string& cert_der, const std::string& digest,
                       const std::string& signature);

// The identity a token's claims name (email, else sub) and the issuer Fulcio
// will certify: a federating provider's upstream (federated_claims.
// connector_id, as Sigstore's own provider sets it), else `iss`. The token's
// signature is Fulcio's to check, not relman's.
struct TokenClaims {
  std::string subject;
  std::string issuer;
};
TokenClaims read_claims(const std::string& jwt);

}  // namespace relman::steps::sigstore
