// `blurb merge`: the Misc/NEWS a release ships, rendered from Misc/NEWS.d
// (blurb's _merge.py write_news), byte for byte.
#pragma once

#include <string>

#include "steps/news/text.h"
#include "steps/news/tree.h"

namespace relman::news {

// The "Python News" header, then each release newest first ("What's New in
// Python 3.12.0 final?", its release date, its entries section by section
// as "- gh-NNNN: text" wrapped to 76 columns with a two-space hanging
// indent), entries still in next/ first under "next" with the date
// XXXX-XX-XX, and the closing line about HISTORY; no final newline, as
// blurb writes it. Throws NewsError when Misc/NEWS.d holds no release, or a
// file breaks blurb's rules.
std::string merge_news(const Tree& tree);

}  // namespace relman::news
