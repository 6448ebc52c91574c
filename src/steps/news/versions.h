// How blurb orders and names the releases in Misc/NEWS (blurb's _versions.py).
#pragma once

#include <string>

namespace relman::news {

// blurb's version_key: a string that sorts 3.5.0a1 < 3.5.0b1 < 3.5.0rc1 <
// 3.5.0 < 3.5.1, each field zero-padded to 6 characters ("next" is itself,
// and sorts after every version).
std::string version_key(const std::string& version);

// "3.12.0a1" -> "3.12.0 alpha 1", "3.12.0rc2" -> "3.12.0 release candidate 2",
// "3.12.0" -> "3.12.0 final", "next" -> "next".
std::string printable_version(const std::string& version);

}  // namespace relman::news
