// SHA-1 through OpenSSL EVP, streaming. Not for security: SPDX requires a
// SHA-1 of every file and builds the package verification code from them.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace relman {

class Sha1 {
 public:
  Sha1();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex();  // finishes; call once

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// Lowercase hex SHA-1 of `data`.
std::string sha1_hex(std::string_view data);

}  // namespace relman
