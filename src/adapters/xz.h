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

// Block mode settings. Each block starts with an empty dictionary, so a
// dictionary larger than a quarter of a block buys little, while its match
// finder costs ~11.5 bytes per dictionary byte in every thread. Measured on a
// 128 MB source tree at preset 6 with two threads (xz 5.4.1):
//   dict 8 MiB, blocks  8 MiB: 204 MB peak, 11.42 MB
//   dict 8 MiB, blocks 16 MiB: 234 MB peak, 10.94 MB
//   dict 8 MiB, blocks 24 MiB: 252 MB peak, 10.78 MB (xz -T2 -6)
//   dict 4 MiB, blocks 16 MiB: 140 MB peak, 11.03 MB  <- relman
// (xz -6 -T1, one block: 97 MB, 10.47 MB, but on one core only.)
inline constexpr uint64_t default_block_size = 16u << 20;
inline constexpr uint32_t max_dict_size = 4u << 20;

// liblzma's version, e.g. "5.4.1"; the bytes of an .xz may differ between
// liblzma versions, so the export records it.
std::string version();

class Encoder {
 public:
  // level 0-9: xz's preset, its dictionary capped at max_dict_size;
  // threads >= 1.
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
