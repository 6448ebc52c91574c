#include "core/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <exception>
#include <thread>

#include "core/errors.h"
#include "core/event_reader.h"
#include "core/redactor.h"

namespace relman {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

namespace {

std::string read_journal_file(const std::filesystem::path& file) {
  try {
    return durable::read_file(file);
  } catch (const std::exception& e) {
    throw StateError(fmt::format("cannot read the journal {}: {}", file.string(), e.what()));
  }
}

// What a line parser says of one line.
struct LineCheck {
  const char* problem = nullptr;  // why it is not an event; null when it is
  int v = 0;                      // its format
  uint64_t seq = 0;               // 0: none
  // A whole event whose seq is missing or out of order: no crash writes
  // that, so it is damage even on the last line.
  bool bad_seq = false;
  uint64_t want_seq = 0;  // the seq it should have had (0: any)
};

// A stretch of whole lines [begin, end), read until its end or the first
// line that is bad or of a newer format.
struct Part {
  size_t begin = 0, end = 0;
  size_t lines = 0;                 // good lines
  uint64_t first_seq = 0;           // of the first good line
  uint64_t last_seq = 0;            // of the last good line
  size_t stop = std::string::npos;  // where the bad line starts
  LineCheck check;                  // what is wrong with it
};

// `parse(first, last)` checks a line and keeps what it parsed; `take()`
// hands that on. Seqs run 1, 2, 3... with no gap: `expect` is the first
// line's (0 when the part starts mid-file and any will do).
template <class Parse, class Take>
Part read_part(const std::string& data, size_t begin, size_t end, uint64_t expect, Parse&& parse, Take&& take) {
  Part part;
  part.begin = begin;
  part.end = end;
  size_t pos = begin;
  while (pos < end) {
    size_t nl = data.find('\n', pos);
    LineCheck check;
    if (nl == std::string::npos) check.problem = "it has no end of line";
    else check = parse(data.data() + pos, data.data() + nl);
    if (!check.problem && check.v <= Journal::kFormat && (check.seq == 0 || (expect && check.seq != expect))) {
      check.problem = check.seq == 0 ? "it has no \"seq\"" : "its \"seq\" breaks the sequence";
      check.bad_seq = true;
      check.want_seq = expect;
    }
    if (check.problem || check.v > Journal::kFormat) {
      part.stop = pos;
      part.check = check;
      return part;
    }
    if (part.lines == 0) part.first_seq = check.seq;
    ++part.lines;
    part.last_seq = check.seq;
    expect = check.seq + 1;
    take();
    pos = nl + 1;
  }
  return part;
}

[[noreturn]] void damaged(const std::filesystem::path& file, size_t line_no, const std::string& why) {
  throw StateError(
      fmt::format("journal {} is damaged at line {} ({}); relman left the file untouched. Restore it from a "
                  "backup, or inspect it by hand (each line is one JSON event)",
                  file.string(), line_no, why));
}

std::string seq_problem(const LineCheck& c) {
  if (c.seq == 0) return "it has no \"seq\": every event carries its sequence number";
  return fmt::format("its seq is {} where {} was expected: a line is missing, repeated or was altered", c.seq,
                     c.want_seq);
}

// The rules of reading, in one place: a bad last line is a torn tail,
// dropped with a warning; a bad line anywhere else, or a newer format, is
// an error, and the file is not touched. `line_no` numbers the part's
// first line.
void judge(const std::filesystem::path& file, const std::string& data, const Part& part, size_t line_no,
           Journal::Loaded& out) {
  if (part.lines) {
    out.last_seq = part.last_seq;
    out.good_size = part.stop == std::string::npos ? part.end : part.stop;
  }
  if (part.stop == std::string::npos) return;
  line_no += part.lines;
  out.good_size = part.stop;
  if (!part.check.problem)
    throw StateError(
        fmt::format("journal {} line {} is in format {}, written by a newer relman; this relman reads format {}. "
                    "Upgrade relman to continue this run",
                    file.string(), line_no, part.check.v, Journal::kFormat));
  if (part.check.bad_seq) damaged(file, line_no, seq_problem(part.check));
  size_t nl = data.find('\n', part.stop);
  if (nl != std::string::npos && nl + 1 != data.size()) damaged(file, line_no, part.check.problem);
  // A crash while appending leaves at most one incomplete line, at the end.
  out.torn = true;
  out.warning = fmt::format(
      "journal {}: the last line ({} bytes) is incomplete ({}), probably from a crash while it was "
      "written; it is dropped",
      file.string(), data.size() - part.stop, part.check.problem);
}

// Reads one line into an Event; run events, which the fold needs whole,
// are parsed whole too.
LineCheck read_event(EventReader& reader, const char* first, const char* last, Event& ev) {
  auto r = reader.read(first, last, ev);
  if (!r.problem && r.v <= Journal::kFormat && needs_whole(ev)) ev.whole = nlohmann::json::parse(first, last);
  return {r.problem, r.v, ev.seq};
}

}  // namespace

const std::vector<std::string>& journal_structural_fields() {
  static const std::vector<std::string> fields = {"v",    "seq",  "time",    "t_ms", "event",
                                                  "step", "plan", "version", "mode", "workflow_hash"};
  return fields;
}

Journal::Loaded Journal::read(const std::filesystem::path& file) {
  Loaded out;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  std::string data = read_journal_file(file);
  nlohmann::json ev;
  auto parse = [&](const char* first, const char* last) -> LineCheck {
    try {
      ev = nlohmann::json::parse(first, last);
    } catch (const nlohmann::json::exception&) {
      return {"it is not valid JSON"};
    }
    auto event = ev.is_object() ? ev.find("event") : ev.end();
    auto v = ev.is_object() ? ev.find("v") : ev.end();
    if (event == ev.end() || !event->is_string() || v == ev.end() || !v->is_number_integer())
      return {"it is not a relman event"};
    auto seq = ev.find("seq");
    return {nullptr, v->get<int>(), seq != ev.end() && seq->is_number_unsigned() ? seq->get<uint64_t>() : 0};
  };
  Part all = read_part(data, 0, data.size(), 1, parse, [&] { out.events.push_back(std::move(ev)); });
  judge(file, data, all, 1, out);
  return out;
}

Journal::Loaded Journal::scan(const std::filesystem::path& file, const Sink& sink, size_t parallel_from) {
  Loaded out;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  std::string data = read_journal_file(file);

  // Parsing is most of the cost of loading a long journal, so from
  // `parallel_from` bytes a helper thread reads the back half into memory
  // while this thread reads the front half into the sink; then the back
  // half's events follow. The sink sees the same events in the same order
  // as from one pass, and the first bad line in file order decides.
  size_t mid = data.size();
  if (data.size() >= parallel_from && data.size() > 1) {
    size_t nl = data.find('\n', data.size() / 2);
    if (nl != std::string::npos && nl + 1 < data.size()) mid = nl + 1;
  }
  std::vector<Event> back_events;
  Part back;
  std::exception_ptr back_failure;
  std::jthread helper;
  if (mid < data.size()) {
    back_events.reserve(
        static_cast<size_t>(std::count(data.begin() + static_cast<std::ptrdiff_t>(mid), data.end(), '\n')) + 1);
    helper = std::jthread([&] {
      try {
        EventReader reader;
        Event ev;
        back = read_part(
            data, mid, data.size(), 0, [&](const char* f, const char* l) { return read_event(reader, f, l, ev); },
            [&] { back_events.push_back(std::move(ev)); });
      } catch (...) {
        back_failure = std::current_exception();  // out of memory, say
      }
    });
  }

  EventReader reader;
  Event ev;
  Part front = read_part(
      data, 0, mid, 1, [&](const char* f, const char* l) { return read_event(reader, f, l, ev); }, [&] { sink(ev); });
  if (helper.joinable()) helper.join();
  judge(file, data, front, 1, out);
  if (mid == data.size() || front.stop != std::string::npos) return out;
  if (back_failure) std::rethrow_exception(back_failure);
  // The back half was read without knowing where the front one ended.
  if (back.lines > 0 && back.first_seq != out.last_seq + 1) {
    LineCheck c;
    c.seq = back.first_seq;
    c.want_seq = out.last_seq + 1;
    damaged(file, front.lines + 1, seq_problem(c));
  }
  for (Event& e : back_events) sink(e);
  judge(file, data, back, front.lines + 1, out);
  return out;
}

Journal::Journal(const std::filesystem::path& file, const Loaded& loaded, const Redactor* redactor)
    : path_(file), redactor_(redactor) {
  bool existed = std::filesystem::exists(file);
  fd_.reset(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd_) throw StateError(fmt::format("cannot open the journal {}: {}", file.string(), std::strerror(errno)));
  if (loaded.torn) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(loaded.good_size)) != 0 || ::fsync(fd_.get()) != 0)
      throw StateError(fmt::format("cannot cut the torn tail off {}: {}", file.string(), std::strerror(errno)));
  }
  if (!existed) durable::fsync_path(file.parent_path());
  next_seq_ = loaded.last_seq + 1;
  size_ = loaded.good_size;
}

void Journal::sync() {
  std::lock_guard lock(mu_);
  if (!dirty_) return;
  if (::fdatasync(fd_.get()) != 0)
    fail(fmt::format("cannot sync the journal {}: {}", path_.string(), std::strerror(errno)));
  dirty_ = false;
}

void Journal::fail(const std::string& why) {
  // Whatever part of a line reached the file is cut off again, so the
  // journal stays valid up to its last whole event, and nothing more is
  // appended by this process: the next `relman resume` starts from there.
  if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) == 0) (void)::fdatasync(fd_.get());
  broken_ = why;
  throw StateError(why +
                   "; the journal is kept up to its last whole event: free space (or fix the disk), then "
                   "`relman resume`");
}

nlohmann::json Journal::append(nlohmann::json event, bool sync) {
  std::lock_guard lock(mu_);
  if (!broken_.empty()) throw StateError(broken_ + "; nothing more is journaled by this process");
  if (fault_hook_) {
    try {
      fault_hook_(next_seq_);
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
  int64_t t = now_ms();
  nlohmann::json ev = {{"v", kFormat}, {"seq", next_seq_}, {"time", iso_time(t)}, {"t_ms", t}};
  ev.update(event);
  // Values are masked before serialising, never the JSON text: a secret
  // equal to a key or a number cannot rewrite the line, and one with quotes
  // cannot hide behind its escaped form. The fields the fold keys on come
  // from relman and the workflow, never from a secret, and stay as written.
  if (redactor_) ev = redactor_->mask_values(std::move(ev), journal_structural_fields());
  std::string line = ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  try {
    durable::write_all(fd_.get(), line);
  } catch (const std::exception& e) {
    fail(fmt::format("cannot append to the journal {}: {}", path_.string(), e.what()));
  }
  size_ += line.size();
  dirty_ = true;
  if (sync) {
    if (::fdatasync(fd_.get()) != 0)
      fail(fmt::format("cannot sync the journal {}: {}", path_.string(), std::strerror(errno)));
    dirty_ = false;
  }
  ++next_seq_;
  return nlohmann::json::parse(line);
}

}  // namespace relman
