// SHA-256 through OpenSSL EVP, streaming, so artifacts are hashed while they
// are written instead of being read back.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/evp_digest.h"

namespace relman {

class Sha256 : public EvpDigest {
 public:
  Sha256() : EvpDigest(EVP_sha256(), "SHA-256") {}
};

// One line of a SHA256SUMS file (sha256sum's format: "<hex>  <name>").
struct ChecksumEntry {
  std::string sha256;
  std::string name;
};
// A SHA256SUMS file read under one set of rules. A line is "<hex>  <name>"
// (text mode) or "<hex> *<name>" (binary mode), with a CR before the newline
// allowed; the hex is 64 digits of either case, stored lowercase; the name is
// a file beside SHA256SUMS or below it: not empty, not absolute, no '..'
// component, no control character. Empty lines are nothing.
struct Sha256Sums {
  std::vector<ChecksumEntry> entries;  // every line that follows the rules, in file order
  // "line N: why" for each line that does not, and for each name given again
  // (the repeat is still an entry: a reader that checks every entry sees both).
  std::vector<std::string> problems;
};
Sha256Sums parse_sha256sums(std::string_view text);

// The entries of a SHA256SUMS file; none when it does not exist. For
// readers of files relman wrote itself: lines that break the rules are left
// out, not reported (parse_sha256sums reports them).
std::vector<ChecksumEntry> read_sha256sums(const std::filesystem::path& path);

// Hex digest of a file's bytes; throws std::runtime_error if unreadable.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace relman
