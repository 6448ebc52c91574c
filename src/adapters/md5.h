// MD5 through OpenSSL EVP. Not for security: blurb names its entries with a
// nonce cut from the MD5 of their text, and relman must name them the same.
#pragma once

#include <string>
#include <string_view>

namespace relman {

// The 16 raw bytes of the MD5 digest of `data`; throws std::runtime_error
// when OpenSSL cannot compute it (MD5 disabled in a FIPS build).
std::string md5_digest(std::string_view data);

}  // namespace relman
