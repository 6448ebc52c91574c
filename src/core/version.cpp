#include "core/version.h"

#include <fmt/format.h>

#include <charconv>
#include <regex>

#include "core/errors.h"

namespace relman {

namespace {

int to_int(const std::string& s, std::string_view whole) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size())
    throw ConfigError(fmt::format("version '{}': number '{}' is out of range", whole, s));
  return value;
}

}  // namespace

Version Version::parse(std::string_view text) {
  // release-tools' tag_cre: minor and micro may be left out (they are 0) and
  // a prerelease may follow any micro (3.9.1rc1 shipped) or have serial 0
  // (3.13.0a0, the version main moves to). Python's `$` also matches before
  // a final "\n"; relman does not: a version comes from a command line.
  static const std::regex re(R"(^([0-9]+)(?:\.([0-9]+)(?:\.([0-9]+))?)?(?:(a|b|rc)([0-9]+))?$)");
  std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, re))
    throw ConfigError(
        fmt::format("'{}' is not a release version: expected X.Y.Z, X.Y.ZaN, X.Y.ZbN or X.Y.ZrcN "
                    "(for example 3.12.0, 3.13.0a3, 3.12.0b1, 3.12.0rc2, 3.11.3rc1)",
                    text));
  Version v;
  v.major = to_int(m[1], text);
  v.minor = m[2].matched ? to_int(m[2], text) : 0;
  v.micro = m[3].matched ? to_int(m[3], text) : 0;
  if (m[4].matched) {
    const std::string lv = m[4];
    v.level = lv == "a" ? ReleaseLevel::alpha : lv == "b" ? ReleaseLevel::beta : ReleaseLevel::candidate;
    v.serial = to_int(m[5], text);
  }
  return v;
}

std::string Version::doc_version() const {
  return micro == 0 ? major_minor() : fmt::format("{}.{}.{}", major, minor, micro);
}

std::string Version::str() const {
  std::string s = fmt::format("{}.{}.{}", major, minor, micro);
  if (level != ReleaseLevel::final) s += fmt::format("{}{}", level_suffix(level), serial);
  return s;
}

std::string Version::major_minor() const { return fmt::format("{}.{}", major, minor); }

ReleaseKind Version::kind() const {
  switch (level) {
    case ReleaseLevel::alpha:
      return ReleaseKind::alpha;
    case ReleaseLevel::beta:
      return serial == 1 ? ReleaseKind::first_beta : ReleaseKind::beta;
    case ReleaseLevel::candidate:
      return ReleaseKind::rc;
    case ReleaseLevel::final:
      return ReleaseKind::final;
  }
  return ReleaseKind::final;
}

const char* level_suffix(ReleaseLevel level) {
  switch (level) {
    case ReleaseLevel::alpha:
      return "a";
    case ReleaseLevel::beta:
      return "b";
    case ReleaseLevel::candidate:
      return "rc";
    case ReleaseLevel::final:
      return "";
  }
  return "";
}

std::string to_string(ReleaseKind kind) {
  switch (kind) {
    case ReleaseKind::alpha:
      return "alpha";
    case ReleaseKind::beta:
      return "beta";
    case ReleaseKind::first_beta:
      return "first_beta";
    case ReleaseKind::rc:
      return "rc";
    case ReleaseKind::final:
      return "final";
  }
  return "final";
}

std::string Version::kind_name() const { return to_string(kind()); }

std::string Version::branch() const {
  auto k = kind();
  if (k == ReleaseKind::alpha || k == ReleaseKind::first_beta) return "main";
  return major_minor();
}

std::string Version::long_name() const {
  std::string base = fmt::format("{}.{}.{}", major, minor, micro);
  switch (level) {
    case ReleaseLevel::alpha:
      return fmt::format("{} alpha {}", base, serial);
    case ReleaseLevel::beta:
      return fmt::format("{} beta {}", base, serial);
    case ReleaseLevel::candidate:
      return fmt::format("{} release candidate {}", base, serial);
    case ReleaseLevel::final:
      return base;
  }
  return base;
}

Version Version::next_minor() const {
  Version v;
  v.major = major;
  v.minor = minor + 1;
  v.micro = 0;
  v.level = ReleaseLevel::alpha;
  v.serial = 0;
  return v;
}

Version Version::next_in_series() const {
  Version v = *this;
  if (level == ReleaseLevel::final) ++v.micro;
  else ++v.serial;
  return v;
}

}  // namespace relman
