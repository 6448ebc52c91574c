#include "core/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

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
    return fs::read_file(file);
  } catch (const std::exception& e) {
    throw StateError(fmt::format("cannot read the journal {}: {}", file.string(), e.what()));
  }
}

// What a line parser says of one line.
struct LineCheck {
  const char* problem = nullptr;  // why it is not an event; null when it is
  int v = 0;                      // its format
  uint64_t seq = 0;
};

// The rules of reading, in one place for both readers: each good line is
// handed on at once; a bad last line is a torn tail, dropped with a
// warning; a bad line anywhere else, or a newer format, is an error and the
// file is not touched. `parse(first, last)` checks a line and keeps what
// it parsed; `deliver()` hands that on.
template <class Parse, class Deliver>
Journal::Loaded walk_lines(const std::filesystem::path& file, const std::string& data, Parse&& parse,
                           Deliver&& deliver) {
  Journal::Loaded out;
  size_t pos = 0;
  int line_no = 0;
  while (pos < data.size()) {
    ++line_no;
    size_t nl = data.find('\n', pos);
    bool last = nl == std::string::npos || nl + 1 == data.size();
    LineCheck check;
    if (nl == std::string::npos) check.problem = "it has no end of line";
    else check = parse(data.data() + pos, data.data() + nl);
    if (check.problem) {
      if (last) {
        // A crash while appending leaves at most one incomplete line, at the end.
        out.torn = true;
        out.warning = fmt::format(
            "journal {}: the last line ({} bytes) is incomplete ({}), probably from a crash while it was "
            "written; it is dropped",
            file.string(), data.size() - pos, check.problem);
        break;
      }
      throw StateError(fmt::format(
          "journal {} is damaged at line {} ({}); relman left the file untouched. Restore it from a "
          "backup, or inspect it by hand (each line is one JSON event)",
          file.string(), line_no, check.problem));
    }
    if (check.v > Journal::kFormat)
      throw StateError(fmt::format(
          "journal {} line {} is in format {}, written by a newer relman; this relman reads format {}. "
          "Upgrade relman to continue this run",
          file.string(), line_no, check.v, Journal::kFormat));
    out.last_seq = check.seq;
    deliver();
    pos = nl + 1;
    out.good_size = pos;
  }
  return out;
}

}  // namespace

Journal::Loaded Journal::read(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  std::string data = read_journal_file(file);
  std::vector<nlohmann::json> events;
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
  Loaded out = walk_lines(file, data, parse, [&] { events.push_back(std::move(ev)); });
  out.events = std::move(events);
  return out;
}

Journal::Loaded Journal::scan(const std::filesystem::path& file, const Sink& sink) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  std::string data = read_journal_file(file);
  EventReader reader;
  Event ev;
  const char* line = nullptr;
  const char* line_end = nullptr;
  auto parse = [&](const char* first, const char* last) -> LineCheck {
    auto r = reader.read(first, last, ev);
    line = first;
    line_end = last;
    return {r.problem, r.v, ev.seq};
  };
  auto deliver = [&] {
    if (needs_whole(ev)) {
      // The run's start carries its settings and plan: the few run events
      // are parsed whole.
      ev.whole = nlohmann::json::parse(line, line_end);
    }
    sink(ev);
  };
  return walk_lines(file, data, parse, deliver);
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
  if (!existed) fs::fsync_path(file.parent_path());
  next_seq_ = loaded.last_seq + 1;
}

void Journal::sync() {
  std::lock_guard lock(mu_);
  if (!dirty_) return;
  if (::fdatasync(fd_.get()) != 0)
    throw StateError(fmt::format("cannot sync the journal {}: {}", path_.string(), std::strerror(errno)));
  dirty_ = false;
}

nlohmann::json Journal::append(nlohmann::json event, bool sync) {
  std::lock_guard lock(mu_);
  int64_t t = now_ms();
  nlohmann::json ev = {{"v", kFormat}, {"seq", next_seq_}, {"time", iso_time(t)}, {"t_ms", t}};
  ev.update(event);
  std::string line = ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (redactor_) line = redactor_->apply(line);
  line += '\n';
  try {
    fs::write_all(fd_.get(), line);
  } catch (const std::exception& e) {
    throw StateError(fmt::format("cannot append to the journal {}: {}", path_.string(), e.what()));
  }
  dirty_ = true;
  if (sync) {
    if (::fdatasync(fd_.get()) != 0)
      throw StateError(fmt::format("cannot sync the journal {}: {}", path_.string(), std::strerror(errno)));
    dirty_ = false;
  }
  ++next_seq_;
  return nlohmann::json::parse(line);
}

}  // namespace relman
