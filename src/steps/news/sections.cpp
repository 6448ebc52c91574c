#include "steps/news/sections.h"

#include <algorithm>
#include <map>

namespace relman::news {
namespace {

const std::map<std::string, std::string>& sanitized() {
  static const std::map<std::string, std::string> m = {
      {"C API", "C_API"}, {"Core and Builtins", "Core_and_Builtins"}, {"Tools/Demos", "Tools-Demos"}};
  return m;
}

}  // namespace

const std::vector<std::string>& sections() {
  static const std::vector<std::string> s = {"Security", "Core and Builtins", "Library", "Documentation", "Tests",
                                             "Build",    "Windows",           "macOS",   "IDLE",          "Tools/Demos",
                                             "C API"};
  return s;
}

bool is_section(const std::string& name) {
  return std::find(sections().begin(), sections().end(), name) != sections().end();
}

std::string sanitize_section(const std::string& section) {
  auto it = sanitized().find(section);
  return it == sanitized().end() ? section : it->second;
}

std::string sanitize_section_legacy(const std::string& section) {
  std::string out = section;
  std::replace(out.begin(), out.end(), '/', '-');
  return out;
}

std::string unsanitize_section(const std::string& dir) {
  for (const auto& [section, name] : sanitized())
    if (name == dir) return section;
  return dir;
}

}  // namespace relman::news
