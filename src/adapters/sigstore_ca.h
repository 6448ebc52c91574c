// The certificate authority and log key of a rehearsal's Sigstore stand-in:
// keys that a rehearsal keeps in its sandbox (they sign nothing outside it),
// a self-signed CA, and leaf certificates shaped as Fulcio issues them (the
// identity in the SAN, the OIDC issuer in Fulcio's extensions, code signing).
// Every OpenSSL handle is owned here; failures are std::runtime_error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/sigstore_crypto.h"

namespace relman::sigstore {

// A P-256 key that can be written to and read back from PEM, unlike the
// ephemeral KeyPair a release signs with.
class StandinKey {
 public:
  static StandinKey generate();
  static StandinKey from_private_pem(std::string_view pem);  // throws on anything else
  std::string private_pem() const;
  std::string public_der() const;                 // SubjectPublicKeyInfo
  std::string sign(std::string_view data) const;  // ECDSA-SHA256, DER
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
};

// A self-signed CA certificate (CA:TRUE, pathlen 0, keyCertSign) for `key`,
// valid over [not_before, not_after] (Unix times).
Certificate make_ca_certificate(const StandinKey& key, const std::string& organization, const std::string& common_name,
                                std::int64_t not_before, std::int64_t not_after);

struct LeafRequest {
  std::string public_pem;  // the signer's ephemeral key
  std::string identity;    // an email, or a URI when it contains "://"
  std::string issuer;      // the OIDC issuer
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
};
// A Fulcio-shaped leaf certificate for `req`, signed by `ca_key`.
Certificate issue_leaf(const Certificate& ca, const StandinKey& ca_key, const LeafRequest& req);

// The SubjectPublicKeyInfo DER of a PEM public key (throws when unreadable).
std::string public_pem_to_der(std::string_view pem);

}  // namespace relman::sigstore
