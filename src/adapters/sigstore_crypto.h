// The OpenSSL side of Sigstore: an ephemeral P-256 key pair that lives in
// memory only, X.509 certificates as Fulcio issues them (the identity in the
// SAN, the OIDC issuer in Fulcio's extensions), chain checks at a given time,
// and ECDSA verification with a bare public key (Rekor's). Every OpenSSL
// handle is owned here; failures are std::runtime_error.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace relman::sigstore {

std::string base64_encode(std::string_view bytes);
// The URL-safe alphabet without padding (RFC 4648 section 5), as JWTs and
// PKCE write it.
std::string base64url_encode(std::string_view bytes);
// Standard or URL-safe alphabet, padding optional; throws on other input.
std::string base64_decode(std::string_view text);
std::string sha256_raw(std::string_view data);
std::string hex_encode(std::string_view bytes);
std::string hex_decode(std::string_view hex);  // throws on odd length or a non-hex digit
// A Unix time as RFC 3339 in UTC (2026-12-02T12:00:00Z), as Sigstore's JSON writes times.
std::string rfc3339_utc(std::int64_t t);

struct PkeyFree {
  void operator()(EVP_PKEY* k) const;
};
struct X509Free {
  void operator()(X509* x) const;
};

// An ECDSA P-256 key pair generated in memory; never serialised privately.
class KeyPair {
 public:
  static KeyPair generate();
  std::string public_pem() const;
  // ECDSA-SHA256 over `data`, DER-encoded.
  std::string sign(std::string_view data) const;
  // ECDSA over an already computed SHA-256 digest (32 bytes).
  std::string sign_digest(std::string_view digest) const;
  std::string public_der() const;

 private:
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
};

class Certificate {
 public:
  static Certificate from_pem(std::string_view pem);
  static Certificate from_der(std::string_view der);
  std::string der() const;
  std::string pem() const;
  // The first email or URI of the SAN ("" when none).
  std::string identity() const;
  // Fulcio's OIDC issuer: extension 1.3.6.1.4.1.57264.1.8 (UTF8String),
  // else the older 1.3.6.1.4.1.57264.1.1 (raw bytes); "" when neither.
  std::string oidc_issuer() const;
  bool has_code_signing_eku() const;
  std::int64_t not_before() const;  // Unix time
  std::int64_t not_after() const;
  std::string public_key_der() const;
  // Does `signature` (DER ECDSA) verify over the SHA-256 `digest` with this
  // certificate's key?
  bool verifies_digest(std::string_view digest, std::string_view signature) const;
  X509* get() const { return x509_.get(); }

 private:
  std::unique_ptr<X509, X509Free> x509_;
};

// Empty when `leaf` chains to one of `authorities` (each trusted as it is,
// root or intermediate) at time `at`; else OpenSSL's reason.
std::string chain_problem(const Certificate& leaf, const std::vector<Certificate>& authorities, std::time_t at);

// Does `signature` (DER ECDSA-SHA256) verify over `data` with the
// SubjectPublicKeyInfo `spki_der`?
bool verify_with_key(std::string_view spki_der, std::string_view data, std::string_view signature);

}  // namespace relman::sigstore
