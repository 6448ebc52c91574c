// SHA-256 of bytes in memory, without a crypto library: the loader records
// the workflow file's hash in the journal, and core links no C library
// (artifacts on disk are hashed by adapters/sha256.h, through OpenSSL).
#pragma once

#include <string>
#include <string_view>

namespace relman {

// Lower-case hex digest, as sha256sum prints it.
std::string sha256_hex(std::string_view bytes);

}  // namespace relman
