#include "cli/progress_eta.h"

#include <fmt/format.h>

#include <cctype>

#include "cli/say.h"

namespace relman::cli {

std::optional<int> leading_percent(const std::string& line) {
  size_t i = 0;
  int value = 0;
  while (i < line.size() && i < 3 && std::isdigit(static_cast<unsigned char>(line[i])))
    value = value * 10 + (line[i++] - '0');
  if (i == 0 || i >= line.size() || line[i] != '%' || value > 100) return std::nullopt;
  return value;
}

std::string with_time_left(const std::string& line, int64_t elapsed_ms) {
  auto pct = leading_percent(line);
  if (!pct || *pct < 3 || *pct >= 100 || elapsed_ms < 2000) return line;
  // The pace so far, assumed to hold: good for export and checksums, whose
  // work is spread evenly over the entries they count.
  int64_t left = elapsed_ms * (100 - *pct) / *pct;
  return fmt::format("{}, about {} left", line, format_duration(left - left % 1000));
}

}  // namespace relman::cli
