#include "cli/terminal.h"

#include "cli/width.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "adapters/durable.h"

namespace relman::cli {

Terminal::Terminal(std::FILE* out)
    : out_(out), tty_(::isatty(::fileno(out)) != 0), colour_(tty_ && !std::getenv("NO_COLOR")) {
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") colour_ = false;
}

std::string Terminal::paint(const std::string& text, Colour c) const {
  if (!colour_) return text;
  const char* code = "";
  switch (c) {
    case Colour::red:
      code = "\033[31m";
      break;
    case Colour::green:
      code = "\033[32m";
      break;
    case Colour::yellow:
      code = "\033[33m";
      break;
    case Colour::blue:
      code = "\033[34m";
      break;
    case Colour::grey:
      code = "\033[90m";
      break;
    case Colour::bold:
      code = "\033[1m";
      break;
  }
  return std::string(code) + text + "\033[0m";
}

void Terminal::live(const std::string& line) {
  std::lock_guard lock(mu_);
  if (tty_) {
    // One column short of the width: a line that fills the last column
    // wraps on many terminals, and \r then redraws only its second half.
    const size_t cols = columns(out_);
    std::string shown = fit(line, cols > 1 ? cols - 1 : cols);
    std::fprintf(out_, "\r\033[K%s", shown.c_str());
    std::fflush(out_);
    live_shown_ = true;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_plain_ < std::chrono::seconds(5)) return;
  last_plain_ = now;
  std::fprintf(out_, "   ... %s\n", line.c_str());
  std::fflush(out_);
}

void Terminal::clear_live() {
  std::lock_guard lock(mu_);
  if (tty_ && live_shown_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
  live_shown_ = false;
}

bool Terminal::ask(const std::string& question, const std::function<bool()>& answered_elsewhere) {
  durable::Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty) return false;
  auto put = [&](std::string_view text) {
    while (!text.empty()) {
      ssize_t n = ::write(tty.get(), text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      text.remove_prefix(static_cast<size_t>(n));
    }
  };
  put(question);
  // The terminal is in canonical mode: a read returns once Enter is typed.
  std::string answer;
  for (;;) {
    pollfd p{tty.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, answered_elsewhere ? 250 : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (ready == 0) {
      if (answered_elsewhere && answered_elsewhere()) {
        put("\n");
        return false;
      }
      continue;
    }
    char buf[256];
    ssize_t n = ::read(tty.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // end of input: no answer is not a yes
    answer.append(buf, static_cast<size_t>(n));
    if (answer.find('\n') != std::string::npos) break;
  }
  answer.erase(answer.find('\n'));
  if (!answer.empty() && answer.back() == '\r') answer.pop_back();
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace relman::cli
