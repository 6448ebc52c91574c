#include "adapters/sigstore_ca.h"

#include "adapters/openssl_handles.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace relman::sigstore {

namespace {

using openssl::Bio;
using openssl::bio_string;
using openssl::der_of;
using openssl::fail;

Bio read_bio(std::string_view text) {
  Bio b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!b) fail("out of memory");
  return b;
}

std::unique_ptr<X509, X509Free> new_certificate(std::int64_t not_before, std::int64_t not_after) {
  std::unique_ptr<X509, X509Free> x(X509_new());
  if (!x || X509_set_version(x.get(), 2) != 1) fail("cannot make a certificate");
  openssl::Bignum serial(BN_new());
  // 127 bits keep the DER INTEGER positive, as RFC 5280 asks of serials.
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())))
    fail("cannot make a serial number");
  if (!ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(not_after)))
    fail("cannot set the validity");
  return x;
}

void add_conf_extension(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  openssl::Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) fail(std::string("cannot add extension ") + OBJ_nid2sn(nid));
}

void add_raw_extension(X509* x, const char* oid, std::string_view content) {
  openssl::Object obj(OBJ_txt2obj(oid, 1));
  openssl::Octets os(ASN1_OCTET_STRING_new());
  if (!obj || !os ||
      ASN1_OCTET_STRING_set(os.get(), reinterpret_cast<const unsigned char*>(content.data()),
                            static_cast<int>(content.size())) != 1)
    fail(std::string("cannot make extension ") + oid);
  openssl::Extension ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, os.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) fail(std::string("cannot add extension ") + oid);
}

std::string utf8_der(const std::string& s) {
  openssl::Utf8 u(ASN1_UTF8STRING_new());
  if (!u || ASN1_STRING_set(u.get(), s.data(), static_cast<int>(s.size())) != 1) fail("cannot encode the issuer");
  return der_of(u.get(), i2d_ASN1_UTF8STRING, "the issuer");
}

Certificate sign_certificate(X509* x, const StandinKey& key) {
  if (X509_sign(x, key.get(), EVP_sha256()) <= 0) fail("cannot sign the certificate");
  return Certificate::from_der(der_of(x, i2d_X509, "the certificate"));
}

std::unique_ptr<EVP_PKEY, PkeyFree> public_from_pem(std::string_view pem) {
  Bio b = read_bio(pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> k(PEM_read_bio_PUBKEY(b.get(), nullptr, nullptr, nullptr));
  if (!k) fail("unreadable public key");
  return k;
}

}  // namespace

StandinKey StandinKey::generate() {
  StandinKey k;
  k.key_.reset(EVP_EC_gen("P-256"));
  if (!k.key_) fail("cannot generate a P-256 key");
  return k;
}

StandinKey StandinKey::from_private_pem(std::string_view pem) {
  Bio b = read_bio(pem);
  StandinKey k;
  k.key_.reset(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  if (!k.key_) fail("unreadable private key");
  return k;
}

std::string StandinKey::private_pem() const {
  Bio b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("cannot write the private key");
  return bio_string(b.get());
}

std::string StandinKey::public_der() const { return der_of(key_.get(), i2d_PUBKEY, "the public key"); }

std::string StandinKey::sign(std::string_view data) const {
  openssl::MdCtx c(EVP_MD_CTX_new());
  size_t n = 0;
  if (!c || EVP_DigestSignInit(c.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(c.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    fail("cannot sign");
  std::string sig(n, '\0');
  if (EVP_DigestSign(c.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    fail("cannot sign");
  sig.resize(n);
  return sig;
}

Certificate make_ca_certificate(const StandinKey& key, const std::string& organization, const std::string& common_name,
                                std::int64_t not_before, std::int64_t not_after) {
  auto x = new_certificate(not_before, not_after);
  X509_NAME* name = X509_get_subject_name(x.get());
  auto text = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.c_str()); };
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, text(organization), -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, text(common_name), -1, -1, 0) != 1 ||
      X509_set_issuer_name(x.get(), name) != 1 || X509_set_pubkey(x.get(), key.get()) != 1)
    fail("cannot name the CA");
  add_conf_extension(x.get(), x.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_conf_extension(x.get(), x.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_conf_extension(x.get(), x.get(), NID_subject_key_identifier, "hash");
  return sign_certificate(x.get(), key);
}

Certificate issue_leaf(const Certificate& ca, const StandinKey& ca_key, const LeafRequest& req) {
  if (req.identity.empty() || req.issuer.empty())
    throw std::runtime_error("a certificate needs an identity and an issuer");
  auto x = new_certificate(req.not_before, req.not_after);
  auto pub = public_from_pem(req.public_pem);
  if (X509_set_issuer_name(x.get(), X509_get_subject_name(ca.get())) != 1 || X509_set_pubkey(x.get(), pub.get()) != 1)
    fail("cannot make the leaf certificate");
  add_conf_extension(x.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_conf_extension(x.get(), ca.get(), NID_ext_key_usage, "codeSigning");
  // The SAN is built, not written as config text: an identity may hold commas.
  openssl::Names names(sk_GENERAL_NAME_new_null());
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (!names || !gn || !ia5 || ASN1_STRING_set(ia5, req.identity.data(), static_cast<int>(req.identity.size())) != 1) {
    GENERAL_NAME_free(gn);
    ASN1_IA5STRING_free(ia5);
    fail("cannot make the SAN");
  }
  GENERAL_NAME_set0_value(gn, req.identity.find("://") != std::string::npos ? GEN_URI : GEN_EMAIL, ia5);
  if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
    GENERAL_NAME_free(gn);
    fail("cannot make the SAN");
  }
  if (X509_add1_ext_i2d(x.get(), NID_subject_alt_name, names.get(), 1, X509V3_ADD_DEFAULT) != 1)
    fail("cannot add the SAN");
  add_conf_extension(x.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  add_raw_extension(x.get(), "1.3.6.1.4.1.57264.1.1", req.issuer);
  add_raw_extension(x.get(), "1.3.6.1.4.1.57264.1.8", utf8_der(req.issuer));
  return sign_certificate(x.get(), ca_key);
}

std::string public_pem_to_der(std::string_view pem) {
  auto k = public_from_pem(pem);
  return der_of(k.get(), i2d_PUBKEY, "the public key");
}

}  // namespace relman::sigstore
