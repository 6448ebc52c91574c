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

  // Throws ConfigError naming the input and the accepted forms.
  static Version parse(std::string_view text);

  std::string str() const;          // "3.12.0rc1"
  std::string major_minor() const;  // "3.12"
  ReleaseKind kind() const;
  std::string kind_name() const;    // "alpha", "beta", "first_beta", "rc", "final"
  std::string branch() const;       // "main" for alphas and the first beta, else "3.12"
  std::string long_name() const;    // "3.12.0 release candidate 1"
  std::string tag() const { return "v" + str(); }

  // The development version main moves to after a first beta: 3.13.0a0.
  Version next_minor() const;
  // The next release of the same series: 3.12.0b1 -> 3.12.0b2,
  // 3.12.0rc2 -> 3.12.0rc3, 3.12.1 -> 3.12.2.
  Version next_in_series() const;

  bool operator==(const Version&) const = default;
};

std::string to_string(ReleaseKind kind);

}  // namespace relman
