#include "core/errors.h"

#include <fmt/format.h>

namespace relman {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::str() const {
  std::string w = where.str();
  return w.empty() ? message : w + ": " + message;
}

static std::string join_problems(const std::vector<Diagnostic>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.str();
  }
  return out;
}

ConfigError::ConfigError(std::vector<Diagnostic> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

ConfigError::ConfigError(const std::string& what) : std::runtime_error(what) {
  Diagnostic d;
  d.message = what;
  problems_.push_back(std::move(d));
}

}  // namespace relman
