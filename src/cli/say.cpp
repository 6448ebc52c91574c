#include "cli/say.h"

#include <fmt/format.h>

#include <cstdio>

namespace relman::cli {

void say(const Options& o, const std::string& line) {
  if (!o.quiet) say_result(o, line);
}

void say_result(const Options& o, const std::string& line) {
  std::FILE* out = o.ci ? stderr : stdout;
  std::fputs(line.c_str(), out);
  std::fputc('\n', out);
  std::fflush(out);
}

std::string format_duration(int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  if (ms < 3600000) return fmt::format("{}m{:02}s", ms / 60000, (ms / 1000) % 60);
  return fmt::format("{}h{:02}m", ms / 3600000, (ms / 60000) % 60);
}

}  // namespace relman::cli
