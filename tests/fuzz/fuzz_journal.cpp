// journal.jsonl on any bytes: both readers (the JSON one and the streaming
// one, with and without its helper thread) agree on every file: the same
// events with seqs 1..n and the same torn tail, or the same StateError; the
// fold never throws anything but StateError; the file is never changed.
#include <cstdint>
#include <string>

#include "core/errors.h"
#include "core/journal.h"
#include "core/state.h"
#include "fuzz/fuzz_support.h"

namespace {

struct Outcome {
  bool failed = false;
  std::string error;
  size_t events = 0;
  uint64_t last_seq = 0;
  uint64_t good_size = 0;
  bool torn = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relman;
  const auto& path = fuzz::write_scratch("journal.jsonl", data, size);
  Outcome by_tree;
  try {
    auto loaded = Journal::read(path);
    by_tree.events = loaded.events.size();
    by_tree.last_seq = loaded.last_seq;
    by_tree.good_size = loaded.good_size;
    by_tree.torn = loaded.torn;
    for (size_t i = 0; i < loaded.events.size(); ++i)
      if (loaded.events[i].value("seq", uint64_t{0}) != i + 1) fuzz::broken("events loaded out of sequence");
    if (by_tree.last_seq != by_tree.events) fuzz::broken("last_seq is not the number of events");
  } catch (const StateError& e) {
    by_tree.failed = true;
    by_tree.error = e.what();
  } catch (const std::exception& e) {
    fuzz::unexpected("Journal::read", e);
  }
  for (size_t parallel_from : {Journal::kParallelFrom, size_t{1}}) {
    Outcome by_stream;
    size_t sunk = 0;
    try {
      auto loaded = Journal::scan(
          path, [&](Event&) { ++sunk; }, parallel_from);
      by_stream.events = sunk;
      by_stream.last_seq = loaded.last_seq;
      by_stream.good_size = loaded.good_size;
      by_stream.torn = loaded.torn;
    } catch (const StateError& e) {
      by_stream.failed = true;
      by_stream.error = e.what();
    } catch (const std::exception& e) {
      fuzz::unexpected("Journal::scan", e);
    }
    if (by_stream.failed != by_tree.failed || by_stream.error != by_tree.error)
      fuzz::broken("the two readers disagree on whether the journal is sound");
    if (!by_tree.failed && (by_stream.events != by_tree.events || by_stream.last_seq != by_tree.last_seq ||
                            by_stream.good_size != by_tree.good_size || by_stream.torn != by_tree.torn))
      fuzz::broken("the two readers read different events");
  }
  // What loads folds into a state, or is refused as StateError.
  try {
    RunState st;
    Journal::scan(path, [&](Event& e) { apply_event(st, e); });
  } catch (const StateError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected("fold", e);
  }
  return 0;
}
