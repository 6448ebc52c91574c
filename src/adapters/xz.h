// xz compression of a byte stream with liblzma's multi-threaded encoder in
// block mode. Every block is compressed on its own, so the output depends on
// the preset and the block size but not on the number of threads: 1, 2 or 16
// threads give the same bytes (xz -T1 does not: it uses the single-threaded,
// one-block encoder).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace relman::xz {

using Sink = std::function<void(const void* data, size_t size)>;

// The block size relman uses unless told otherwise: small enough that two
// threads at preset 6 stay well inside the 256 MB budget (each thread holds
// its encoder, ~94 MiB at preset 6, plus one input and one output block),
// large enough that the ratio stays within ~1% of a single block.
inline constexpr uint64_t default_block_size = 8u << 20;

// liblzma's version, e.g. "5.4.1"; the bytes of an .xz may differ between
// liblzma versions, so the export records it.
std::string version();

class Encoder {
 public:
  // level 0-9; threads >= 1.
  Encoder(int level, unsigned threads, uint64_t block_size, Sink sink);
  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  void write(const void* data, size_t size);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relman::xz
