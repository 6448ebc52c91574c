// SHA-256 through OpenSSL EVP, streaming, so artifacts are hashed while they
// are written instead of being read back.
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace relman {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex();  // finishes; call once

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// One line of a SHA256SUMS file (sha256sum's format: "<hex>  <name>").
struct ChecksumEntry {
  std::string sha256;
  std::string name;
};
// The entries of a SHA256SUMS file; none when it does not exist. Lines that
// are not checksums are ignored.
std::vector<ChecksumEntry> read_sha256sums(const std::filesystem::path& path);

// Hex digest of a file's bytes; throws std::runtime_error if unreadable.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace relman
