#include "adapters/xz.h"

#include <lzma.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace relman::xz {

namespace {

// liblzma's functions, gathered so the encoder reads as before.
struct Lzma {
  decltype(&lzma_stream_encoder_mt) encoder_mt = &lzma_stream_encoder_mt;
  decltype(&lzma_code) code = &lzma_code;
  decltype(&lzma_end) end = &lzma_end;
  decltype(&lzma_version_string) version_string = &lzma_version_string;
  decltype(&lzma_lzma_preset) preset = &lzma_lzma_preset;
};

const Lzma& lzma() {
  static const Lzma api;
  return api;
}

std::string describe(lzma_ret r) {
  switch (r) {
    case LZMA_MEM_ERROR:
      return "out of memory";
    case LZMA_MEMLIMIT_ERROR:
      return "memory limit reached";
    case LZMA_OPTIONS_ERROR:
      return "unsupported options";
    case LZMA_PROG_ERROR:
      return "programming error";
    case LZMA_UNSUPPORTED_CHECK:
      return "unsupported check";
    default:
      return "error " + std::to_string(static_cast<int>(r));
  }
}

}  // namespace

std::string version() { return lzma().version_string(); }

struct Encoder::Impl {
  lzma_stream strm = LZMA_STREAM_INIT;
  bool started = false;
  bool finished = false;
  Sink sink;
  std::vector<uint8_t> out = std::vector<uint8_t>(1 << 20);

  ~Impl() {
    if (started) lzma().end(&strm);
  }

  void pump(lzma_action action) {
    while (true) {
      strm.next_out = out.data();
      strm.avail_out = out.size();
      lzma_ret r = lzma().code(&strm, action);
      size_t produced = out.size() - strm.avail_out;
      if (produced) sink(out.data(), produced);
      if (r == LZMA_STREAM_END) return;
      if (r != LZMA_OK) throw std::runtime_error("xz: compression failed: " + describe(r));
      // Done with this input when it is consumed and the encoder had room left.
      if (action == LZMA_RUN && strm.avail_in == 0 && strm.avail_out != 0) return;
    }
  }
};

Encoder::Encoder(int level, unsigned threads, uint64_t block_size, Sink sink) : impl_(std::make_unique<Impl>()) {
  if (level < 0 || level > 9) throw std::invalid_argument("xz level must be 0 to 9, got " + std::to_string(level));
  impl_->sink = std::move(sink);
  lzma_options_lzma lzma2{};
  if (lzma().preset(&lzma2, static_cast<uint32_t>(level)))
    throw std::runtime_error("xz: unsupported preset " + std::to_string(level));
  if (lzma2.dict_size > max_dict_size) lzma2.dict_size = max_dict_size;
  lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &lzma2}, {LZMA_VLI_UNKNOWN, nullptr}};
  lzma_mt mt{};
  mt.flags = 0;
  mt.threads = threads ? threads : 1;
  mt.block_size = block_size;
  mt.timeout = 0;               // block until output is ready: no time-dependent flushing
  mt.filters = filters;         // copied by the encoder during initialisation
  mt.check = LZMA_CHECK_CRC64;  // what xz(1) writes by default
  lzma_ret r = lzma().encoder_mt(&impl_->strm, &mt);
  if (r != LZMA_OK) throw std::runtime_error("xz: cannot start the encoder: " + describe(r));
  impl_->started = true;
}

Encoder::~Encoder() = default;

void Encoder::write(const void* data, size_t size) {
  if (impl_->finished) throw std::logic_error("xz: write after finish");
  impl_->strm.next_in = static_cast<const uint8_t*>(data);
  impl_->strm.avail_in = size;
  impl_->pump(LZMA_RUN);
}

void Encoder::finish() {
  if (impl_->finished) return;
  impl_->finished = true;
  impl_->strm.next_in = nullptr;
  impl_->strm.avail_in = 0;
  impl_->pump(LZMA_FINISH);
}

}  // namespace relman::xz
