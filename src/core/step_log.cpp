#include "core/step_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "core/redactor.h"

namespace relman {

StepLog::StepLog(const std::filesystem::path& path, const Redactor* redactor) : path_(path), redactor_(redactor) {
  std::filesystem::create_directories(path.parent_path());
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw StateError("cannot open log " + path.string() + ": " + std::strerror(errno));
}

StepLog::~StepLog() {
  if (fd_ >= 0) ::close(fd_);
}

void StepLog::write(std::string_view text) {
  std::string out = redactor_ ? redactor_->apply(std::string(text)) : std::string(text);
  std::lock_guard lock(mu_);
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not turn a log line into a failed release
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void StepLog::line(std::string_view text) {
  std::string s(text);
  s += '\n';
  write(s);
}

std::string StepLog::tail(int n) const {
  std::ifstream in(path_);
  std::deque<std::string> lines;
  std::string l;
  while (std::getline(in, l)) {
    lines.push_back(l);
    if (static_cast<int>(lines.size()) > n) lines.pop_front();
  }
  std::ostringstream out;
  for (const auto& x : lines) out << x << '\n';
  return out.str();
}

}  // namespace relman
