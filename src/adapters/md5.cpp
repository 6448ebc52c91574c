#include "adapters/md5.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace relman {

std::string md5_digest(std::string_view data) {
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
    throw std::runtime_error("OpenSSL: cannot compute an MD5 digest (is MD5 disabled in this OpenSSL?)");
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace relman
