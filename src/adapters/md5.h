// MD5 through OpenSSL EVP. Not for security: blurb names its entries with a
// nonce cut from the MD5 of their text, and relman must name them the same.
#pragma once

#include <string>
#include <string_view>

#include "adapters/evp_digest.h"

namespace relman {

// Streaming, for files too large to read whole (python.org's file records).
class Md5 : public EvpDigest {
 public:
  Md5() : EvpDigest(EVP_md5(), "MD5") {}
};

// The 16 raw bytes of the MD5 digest of `data`; throws std::runtime_error
// when OpenSSL cannot compute it (MD5 disabled in a FIPS build).
std::string md5_digest(std::string_view data);

}  // namespace relman
