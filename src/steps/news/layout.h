// Which files blurb reads under Misc/NEWS.d, in which order (blurb's
// _utils/globs.py and _versions.py), and which ones release-tools' make_tag
// counts as news not yet released.
#pragma once

#include <string>
#include <vector>

#include "steps/news/tree.h"

namespace relman::news {

inline const std::string kNewsDir = "Misc/NEWS.d";
inline const std::string kNextDir = "Misc/NEWS.d/next";

// "Misc/NEWS.d/<version>.rst".
std::string version_file(const std::string& version);

// glob_blurbs('next'): Misc/NEWS.d/next/<dir>/*.rst but README.rst, section
// by section in blurb's order (each section's directory and its legacy
// spelling, "Core_and_Builtins" and "Core and Builtins"), the newest entry
// first within a section (file names sorted in reverse).
std::vector<std::string> next_entries(const Tree& tree);

// Files blurb would not see in next/: *.rst (but README.rst) in a directory
// that is not a section's. They stay where they are after a release.
std::vector<std::string> stray_next_files(const Tree& tree);

// glob_versions(): the releases Misc/NEWS.d holds (2.*.rst, 3.*.rst, and
// "next" when it exists), newest first by version_key.
std::vector<std::string> versions(const Tree& tree);

// release-tools make_tag's test: Misc/NEWS.d/next/*/0*.rst and 2*.rst.
std::vector<std::string> unreleased_entries(const Tree& tree);

}  // namespace relman::news
