#include "cli/terminal.h"

#include "cli/width.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

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

bool Terminal::ask(const std::string& question) {
  std::fstream tty("/dev/tty", std::ios::in | std::ios::out);
  if (!tty) return false;
  tty << question << std::flush;
  std::string answer;
  std::getline(tty, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace relman::cli
