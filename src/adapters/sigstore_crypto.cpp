#include "adapters/sigstore_crypto.h"

#include "adapters/evp_digest.h"
#include "adapters/openssl_handles.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace relman::sigstore {

namespace {

using openssl::Bio;
using openssl::bio_string;
using openssl::fail;
using openssl::MdCtx;
using openssl::PkeyCtx;

std::int64_t asn1_unix(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) fail("unreadable certificate time");
  return static_cast<std::int64_t>(timegm(&tm));
}

std::unique_ptr<EVP_PKEY, PkeyFree> key_from_der(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<EVP_PKEY, PkeyFree> k(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!k) fail("unreadable public key");
  return k;
}

bool verify_digest_with(EVP_PKEY* key, std::string_view digest, std::string_view sig) {
  PkeyCtx c(EVP_PKEY_CTX_new(key, nullptr));
  if (!c || EVP_PKEY_verify_init(c.get()) != 1 || EVP_PKEY_CTX_set_signature_md(c.get(), EVP_sha256()) != 1)
    fail("cannot set up verification");
  int r = EVP_PKEY_verify(c.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
  ERR_clear_error();
  return r == 1;
}

}  // namespace

void PkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
void X509Free::operator()(X509* x) const { X509_free(x); }

std::string base64url_encode(std::string_view bytes) {
  std::string b = base64_encode(bytes);
  for (auto& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text) {
  std::string s(text);
  for (auto& c : s) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  size_t pad = 0;
  while (s.size() % 4) {
    s += '=';
    ++pad;
  }
  if (pad == 3) throw std::runtime_error("not base64");
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) throw std::runtime_error("not base64");
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t trailing = 0;
  for (size_t i = s.size(); i > 0 && s[i - 1] == '='; --i) ++trailing;
  out.resize(static_cast<size_t>(n) - std::min<size_t>(trailing, 2));
  return out;
}

std::string sha256_raw(std::string_view data) {
  EvpDigest sha256(EVP_sha256(), "SHA-256");
  sha256.update(data);
  return sha256.raw();
}

std::string hex_encode(std::string_view bytes) { return hex_of(bytes); }

std::string rfc3339_utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string hex_decode(std::string_view hex) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) throw std::runtime_error("odd-length hex");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = val(hex[i]), lo = val(hex[i + 1]);
    if (hi < 0 || lo < 0) throw std::runtime_error("not hex");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

KeyPair KeyPair::generate() {
  KeyPair kp;
  kp.key_.reset(EVP_EC_gen("P-256"));
  if (!kp.key_) fail("cannot generate a P-256 key");
  return kp;
}

std::string KeyPair::public_pem() const {
  Bio b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PUBKEY(b.get(), key_.get()) != 1) fail("cannot write the public key");
  return bio_string(b.get());
}

std::string KeyPair::public_der() const {
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(key_.get(), &buf);
  if (n <= 0) fail("cannot encode the public key");
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return out;
}

std::string KeyPair::sign(std::string_view data) const { return sign_digest(sha256_raw(data)); }

std::string KeyPair::sign_digest(std::string_view digest) const {
  PkeyCtx c(EVP_PKEY_CTX_new(key_.get(), nullptr));
  if (!c || EVP_PKEY_sign_init(c.get()) != 1 || EVP_PKEY_CTX_set_signature_md(c.get(), EVP_sha256()) != 1)
    fail("cannot set up signing");
  size_t len = 0;
  const auto* d = reinterpret_cast<const unsigned char*>(digest.data());
  if (EVP_PKEY_sign(c.get(), nullptr, &len, d, digest.size()) != 1) fail("cannot size the signature");
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(c.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, d, digest.size()) != 1)
    fail("signing failed");
  sig.resize(len);
  return sig;
}

Certificate Certificate::from_pem(std::string_view pem) {
  Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Certificate c;
  c.x509_.reset(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!c.x509_) fail("unreadable PEM certificate");
  return c;
}

Certificate Certificate::from_der(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Certificate c;
  c.x509_.reset(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!c.x509_) fail("unreadable DER certificate");
  return c;
}

std::string Certificate::der() const {
  unsigned char* buf = nullptr;
  int n = i2d_X509(x509_.get(), &buf);
  if (n <= 0) fail("cannot encode the certificate");
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return out;
}

std::string Certificate::pem() const {
  Bio b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), x509_.get()) != 1) fail("cannot write the certificate");
  return bio_string(b.get());
}

std::string Certificate::identity() const {
  openssl::Names names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x509_.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return {};
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->type == GEN_EMAIL ? n->d.rfc822Name : n->d.uniformResourceIdentifier;
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  return {};
}

std::string Certificate::oidc_issuer() const {
  auto ext_data = [this](const char* oid) -> std::optional<std::string> {
    openssl::Object obj(OBJ_txt2obj(oid, 1));
    int i = X509_get_ext_by_OBJ(x509_.get(), obj.get(), -1);
    if (i < 0) return std::nullopt;
    const ASN1_OCTET_STRING* d = X509_EXTENSION_get_data(X509_get_ext(x509_.get(), i));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)),
                       static_cast<size_t>(ASN1_STRING_length(d)));
  };
  if (auto v2 = ext_data("1.3.6.1.4.1.57264.1.8")) {
    const auto* p = reinterpret_cast<const unsigned char*>(v2->data());
    openssl::Utf8 s(d2i_ASN1_UTF8STRING(nullptr, &p, static_cast<long>(v2->size())));
    if (!s) fail("unreadable OIDC issuer extension (1.3.6.1.4.1.57264.1.8)");
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s.get())),
                       static_cast<size_t>(ASN1_STRING_length(s.get())));
  }
  return ext_data("1.3.6.1.4.1.57264.1.1").value_or("");
}

bool Certificate::has_code_signing_eku() const {
  uint32_t xku = X509_get_extended_key_usage(x509_.get());
  return xku != UINT32_MAX && (xku & XKU_CODE_SIGN);
}

std::int64_t Certificate::not_before() const { return asn1_unix(X509_get0_notBefore(x509_.get())); }
std::int64_t Certificate::not_after() const { return asn1_unix(X509_get0_notAfter(x509_.get())); }

std::string Certificate::public_key_der() const {
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(X509_get0_pubkey(x509_.get()), &buf);
  if (n <= 0) fail("cannot encode the certificate's key");
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return out;
}

bool Certificate::verifies_digest(std::string_view digest, std::string_view signature) const {
  EVP_PKEY* k = X509_get0_pubkey(x509_.get());
  if (!k) fail("the certificate has no readable key");
  return verify_digest_with(k, digest, signature);
}

std::string chain_problem(const Certificate& leaf, const std::vector<Certificate>& authorities, std::time_t at) {
  openssl::Store store(X509_STORE_new());
  if (!store) fail("cannot make a certificate store");
  for (const auto& a : authorities)
    if (X509_STORE_add_cert(store.get(), a.get()) != 1) fail("cannot add a trusted certificate");
  openssl::StoreCtx ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1)
    fail("cannot set up chain verification");
  // Sigstore's chains end at an intermediate as often as at a root.
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  X509_STORE_CTX_set_time(ctx.get(), 0, at);
  int ok = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (ok == 1) return {};
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

bool verify_with_key(std::string_view spki_der, std::string_view data, std::string_view signature) {
  auto key = key_from_der(spki_der);
  return verify_digest_with(key.get(), sha256_raw(data), signature);
}

}  // namespace relman::sigstore
