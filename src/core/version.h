// A CPython-style release version and what follows from it: its kind, the
// branch it is made from, its long name, and the versions after it.
#pragma once

#include <string>
#include <string_view>

namespace relman {

enum class ReleaseLevel { alpha, beta, candidate, final };

// alpha, beta, first_beta (X.Y.0b1, the "new branch" release), rc, final.
enum class ReleaseKind { alpha, beta, first_beta, rc, final };

struct Version {
  int major = 0;
  int minor = 0;
  int micro = 0;
  ReleaseLevel level = ReleaseLevel::final;
  int serial = 0;

  // Accepts what release-tools' Tag accepts ("3.12", "3.11.3rc1",
  // "3.13.0a0", "03.12.0") and normalises it; throws ConfigError naming the
  // input and the accepted forms otherwise.
  static Version parse(std::string_view text);

  std::string str() const;          // "3.12.0rc1"
  std::string major_minor() const;  // "3.12"
  ReleaseKind kind() const;
  std::string kind_name() const;  // "alpha", "beta", "first_beta", "rc", "final"
  std::string branch() const;     // "main" for alphas and the first beta, else "3.12"
  std::string long_name() const;  // "3.12.0 release candidate 1"
  std::string tag() const { return "v" + str(); }
  // What the docs say for "Added in": X.Y for X.Y.0 (whatever the level),
  // else X.Y.Z (release-tools Tag.doc_version).
  std::string doc_version() const;
  // Finals and release candidates ship docs (release-tools Tag.includes_docs).
  bool includes_docs() const { return level == ReleaseLevel::final || level == ReleaseLevel::candidate; }
  // Python's tuple order on (major, minor): release-tools compares
  // tag.as_tuple() >= (3, 14), which holds for every 3.14 version.
  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
  // What the tree says between releases: "+" up to 3.14, "+dev" from 3.15
  // on, PEP 440's local version (release-tools get_version_suffix).
  std::string post_suffix() const { return at_least(3, 15) ? "+dev" : "+"; }

  // The development version main moves to after a first beta: 3.13.0a0.
  Version next_minor() const;
  // The next release of the same series: 3.12.0b1 -> 3.12.0b2,
  // 3.12.0rc2 -> 3.12.0rc3, 3.12.1 -> 3.12.2.
  Version next_in_series() const;

  bool operator==(const Version&) const = default;
};

std::string to_string(ReleaseKind kind);

// The level as a version spells it: "a", "b", "rc", and "" for a final.
const char* level_suffix(ReleaseLevel level);

}  // namespace relman
