#include "adapters/evp_digest.h"

#include <fmt/format.h>

#include <stdexcept>

namespace relman {

EvpDigest::EvpDigest(const EVP_MD* md, const char* name) : ctx_(EVP_MD_CTX_new()), name_(name) {
  if (!ctx_ || !md || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1)
    throw std::runtime_error(fmt::format("OpenSSL: cannot initialise {} (disabled in this OpenSSL?)", name_));
}

void EvpDigest::update(const void* data, size_t size) {
  if (EVP_DigestUpdate(ctx_.get(), data, size) != 1)
    throw std::runtime_error(fmt::format("OpenSSL: {} update failed", name_));
}

std::string EvpDigest::raw() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1)
    throw std::runtime_error(fmt::format("OpenSSL: {} final failed", name_));
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string EvpDigest::hex() { return hex_of(raw()); }

std::string hex_of(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

}  // namespace relman
