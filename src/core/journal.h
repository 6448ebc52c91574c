// journal.jsonl: the run's truth, one JSON event a line, append-only. Each
// append is written in one write(2) and fdatasync'd before returning, so the
// engine never moves on past an event a crash could lose. Loading drops a
// torn last line with a warning; damage anywhere else is a StateError and
// the file is left exactly as it was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/durable.h"
#include "core/event.h"

namespace relman {

class Redactor;

class Journal {
 public:
  static constexpr int kFormat = 1;

  struct Loaded {
    std::vector<nlohmann::json> events;  // filled by read(), left empty by scan()
    uint64_t good_size = 0;              // bytes up to the end of the last good line
    uint64_t last_seq = 0;               // of the last good event
    bool torn = false;
    std::string warning;  // set when a torn tail was dropped
  };

  // Reads and checks every line, keeping every event as JSON in
  // Loaded::events; does not modify the file. A missing file loads as no
  // events.
  static Loaded read(const std::filesystem::path& file);

  // The same checks, handing each event to `sink` as the fold reads it
  // (core/event.h) as soon as it is parsed, and keeping nothing: this is
  // how a run is loaded. No JSON tree is built per line and nothing piles
  // up, which halves the time of `relman status` on a long journal.
  // From `parallel_from` bytes (tests lower it), a helper thread parses the
  // back half meanwhile; the sink still sees every event in order, on the
  // calling thread.
  static constexpr size_t kParallelFrom = 256 * 1024;
  using Sink = std::function<void(Event&)>;
  static Loaded scan(const std::filesystem::path& file, const Sink& sink, size_t parallel_from = kParallelFrom);

  // Opens for appending, creating the file (and fsyncing its directory) if
  // new. A torn tail found by `loaded` is cut off first. Call with the run's
  // lock held.
  Journal(const std::filesystem::path& file, const Loaded& loaded, const Redactor* redactor);

  // Adds "v", "seq", "time" and "t_ms", redacts, writes and (unless `sync`
  // is false) syncs. Returns the event as written. Thread-safe.
  //
  // sync=false is group commit: the line is written now (a crash of relman
  // keeps it) and made durable by the next synced append or sync(). The
  // engine uses it for a step's end, whose next synced event is the start
  // of the following step: nothing new happens before both are on disk.
  nlohmann::json append(nlohmann::json event, bool sync = true);
  void sync();

  const std::filesystem::path& path() const { return path_; }

  // Tests only: called with the seq of every event before it is written, so
  // a test can stop the process (or throw) at any chosen journal write.
  using FaultHook = std::function<void(uint64_t seq)>;
  void set_fault_hook(FaultHook hook) { fault_hook_ = std::move(hook); }

 private:
  [[noreturn]] void fail(const std::string& why);

  std::filesystem::path path_;
  const Redactor* redactor_;
  durable::Fd fd_;
  uint64_t next_seq_ = 1;
  bool dirty_ = false;  // written but not yet synced
  uint64_t size_ = 0;   // bytes up to the end of the last whole event written
  std::string broken_;  // set once a write failed: no more appends
  FaultHook fault_hook_;
  std::mutex mu_;
};

// The top-level fields of an event that are never masked: the journal's
// bookkeeping and what relman writes from the workflow (event names, step
// ids, the plan). A secret that these could contain is refused before a run
// (cli register_secrets), so masking never changes what an event means.
const std::vector<std::string>& journal_structural_fields();

// Milliseconds since the epoch, and that instant as ISO 8601 UTC.
int64_t now_ms();
std::string iso_time(int64_t ms);

}  // namespace relman
