// `blurb release VERSION` (blurb's _release.py): every entry in
// Misc/NEWS.d/next moves into one file, Misc/NEWS.d/VERSION.rst.
#pragma once

#include <string>
#include <vector>

#include "steps/news/text.h"
#include "steps/news/tree.h"

namespace relman::news {

struct ReleasePlan {
  std::string output;                 // "Misc/NEWS.d/3.12.0.rst"
  std::string text;                   // its content
  std::vector<std::string> consumed;  // the next files it replaces, in blurb's order
};

// What `blurb release VERSION` writes on `date` (YYYY-MM-DD): the next
// entries in blurb's order (section by section, newest first), each with
// its metadata from its file name, the first also with `release date`.
// With no entries, one entry saying "There were no new changes in version
// VERSION." marked `no changes`. Throws NewsError when VERSION.rst exists
// already (blurb cannot add to a release file), when an entry breaks
// blurb's rules, or when the file would not read back as the same entries.
ReleasePlan plan_release(const Tree& tree, const std::string& version, const std::string& date);

}  // namespace relman::news
