#include "core/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "core/errors.h"
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

Journal::Loaded Journal::read(const std::filesystem::path& file) {
  Loaded out;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  std::string data;
  try {
    data = fs::read_file(file);
  } catch (const std::exception& e) {
    throw StateError(fmt::format("cannot read the journal {}: {}", file.string(), e.what()));
  }
  size_t pos = 0;
  int line_no = 0;
  while (pos < data.size()) {
    ++line_no;
    size_t nl = data.find('\n', pos);
    bool last = nl == std::string::npos || nl + 1 == data.size();
    std::string line = data.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    nlohmann::json ev;
    std::string why;
    if (nl == std::string::npos) {
      why = "it has no end of line";
    } else {
      try {
        ev = nlohmann::json::parse(line);
        if (!ev.is_object() || !ev.contains("event") || !ev["event"].is_string() || !ev.contains("v") ||
            !ev["v"].is_number_integer())
          why = "it is not a relman event";
      } catch (const nlohmann::json::exception&) {
        why = "it is not valid JSON";
      }
    }
    if (!why.empty()) {
      if (last) {
        // A crash while appending leaves at most one incomplete line, at the end.
        out.torn = true;
        out.warning = fmt::format(
            "journal {}: the last line ({} bytes) is incomplete ({}), probably from a crash while it was "
            "written; it is dropped",
            file.string(), data.size() - pos, why);
        break;
      }
      throw StateError(fmt::format(
          "journal {} is damaged at line {} ({}); relman left the file untouched. Restore it from a "
          "backup, or inspect it by hand (each line is one JSON event)",
          file.string(), line_no, why));
    }
    int v = ev["v"].get<int>();
    if (v > kFormat)
      throw StateError(fmt::format(
          "journal {} line {} is in format {}, written by a newer relman; this relman reads format {}. "
          "Upgrade relman to continue this run",
          file.string(), line_no, v, kFormat));
    out.events.push_back(std::move(ev));
    pos = nl + 1;
    out.good_size = pos;
  }
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
  if (!existed) fs::fsync_path(file.parent_path());
  if (!loaded.events.empty()) {
    const auto& lastev = loaded.events.back();
    if (lastev.contains("seq") && lastev["seq"].is_number_integer()) next_seq_ = lastev["seq"].get<uint64_t>() + 1;
  }
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
