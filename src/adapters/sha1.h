// SHA-1 through OpenSSL EVP, streaming. Not for security: SPDX requires a
// SHA-1 of every file and builds the package verification code from them.
#pragma once

#include <string>
#include <string_view>

#include "adapters/evp_digest.h"

namespace relman {

class Sha1 : public EvpDigest {
 public:
  Sha1() : EvpDigest(EVP_sha1(), "SHA-1") {}
};

// Lowercase hex SHA-1 of `data`.
std::string sha1_hex(std::string_view data);

}  // namespace relman
