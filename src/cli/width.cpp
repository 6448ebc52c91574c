#include "cli/width.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace relman::cli {

size_t columns(std::FILE* out) {
  winsize ws{};
  if (out && ::isatty(::fileno(out)) && ::ioctl(::fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    long n = std::strtol(c, nullptr, 10);
    if (n >= 20 && n <= 1000) return static_cast<size_t>(n);
  }
  return 80;
}

namespace {

// Visits each character on screen: (byte offset, byte length); escape
// sequences are skipped.
template <class F>
void each_char(const std::string& s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\033' && i + 1 < s.size() && s[i + 1] == '[') {
      size_t j = i + 2;
      while (j < s.size() && !(s[j] >= '@' && s[j] <= '~')) ++j;
      i = j + 1;
      continue;
    }
    size_t len = 1;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0) len = 4;
    else if (c >= 0xE0) len = 3;
    else if (c >= 0xC0) len = 2;
    if (i + len > s.size()) len = s.size() - i;
    if (!f(i, len)) return;
    i += len;
  }
}

}  // namespace

size_t display_width(const std::string& s) {
  size_t n = 0;
  each_char(s, [&](size_t, size_t) { return ++n, true; });
  return n;
}

std::string fit(const std::string& s, size_t width) {
  std::string one = s.substr(0, s.find('\n'));
  const bool cut_line = one.size() != s.size();
  if (!cut_line && display_width(one) <= width) return one;
  if (width <= 3) return std::string(width, '.');
  size_t n = 0, end = 0;
  each_char(one, [&](size_t i, size_t len) {
    if (n == width - 3) return false;
    ++n;
    end = i + len;
    return true;
  });
  if (display_width(one) <= width - 3) end = one.size();
  std::string out = one.substr(0, end) + "...";
  if (one.find('\033') != std::string::npos) out += "\033[0m";
  return out;
}

std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::istringstream paragraphs(text);
  for (std::string para; std::getline(paragraphs, para);) {
    std::istringstream words(para);
    std::string line;
    for (std::string w; words >> w;) {
      if (display_width(w) > width) w = fit(w, width);
      if (!line.empty() && display_width(line) + 1 + display_width(w) > width) {
        lines.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + w;
    }
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace relman::cli
