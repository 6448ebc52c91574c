// A streaming digest through OpenSSL EVP, the one place relman computes one:
// SHA-256 for artifacts, SHA-1 for SPDX, MD5 for blurb's nonces are its
// algorithms (sha256.h, sha1.h, md5.h).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace relman {

class EvpDigest {
 public:
  // `name` is for messages: "SHA-256". Throws std::runtime_error when this
  // OpenSSL cannot compute it (MD5 or SHA-1 disabled in a FIPS build).
  EvpDigest(const EVP_MD* md, const char* name);
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string raw();  // the digest's bytes; finishes: call raw() or hex() once
  std::string hex();  // lowercase hex; finishes

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
  const char* name_;
};

// Lowercase hex of `bytes`.
std::string hex_of(std::string_view bytes);

}  // namespace relman
