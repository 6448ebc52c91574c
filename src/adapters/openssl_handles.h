// The OpenSSL handles the Sigstore adapters hold, each owned by a
// unique_ptr with its free function, and OpenSSL's error queue as an
// exception: written once for sigstore_crypto.cpp and sigstore_ca.cpp.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace relman::sigstore::openssl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

inline void bio_free(BIO* b) { BIO_free(b); }
using Bio = Handle<BIO, bio_free>;
using MdCtx = Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
using PkeyCtx = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using Store = Handle<X509_STORE, X509_STORE_free>;
using StoreCtx = Handle<X509_STORE_CTX, X509_STORE_CTX_free>;
using Names = Handle<GENERAL_NAMES, GENERAL_NAMES_free>;
using Object = Handle<ASN1_OBJECT, ASN1_OBJECT_free>;
using Utf8 = Handle<ASN1_UTF8STRING, ASN1_UTF8STRING_free>;
using Octets = Handle<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Extension = Handle<X509_EXTENSION, X509_EXTENSION_free>;
using Bignum = Handle<BIGNUM, BN_free>;

// Throws std::runtime_error with `what` and OpenSSL's first queued error.
[[noreturn]] inline void fail(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error("OpenSSL: " + what + (e ? std::string(" (") + buf + ")" : ""));
}

inline std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

// The DER encoding of `obj` by one of OpenSSL's i2d_* functions.
template <typename T, typename I2d>
std::string der_of(T* obj, I2d i2d, const char* what) {
  int n = i2d(obj, nullptr);
  if (n <= 0) fail(std::string("cannot encode ") + what);
  std::string der(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d(obj, &p);
  return der;
}

}  // namespace relman::sigstore::openssl
