// blurb's line wrapping: Python's textwrap.wrap() as blurb calls it (width
// 76, long words and hyphenated words never broken), and blurb's
// textwrap_body() around it (paragraphs wrapped one by one, twice; lists and
// literal blocks left alone). Widths count code points, as Python does.
#pragma once

#include <string>
#include <vector>

namespace relman::news {

struct WrapOptions {
  size_t width = 76;
  std::u32string initial_indent;
  std::u32string subsequent_indent;
};

// textwrap.wrap(text, width, initial_indent=, subsequent_indent=,
// break_long_words=False, break_on_hyphens=False): tabs expanded to 8
// columns, every whitespace character a space, words split on runs of
// spaces (runs inside a line are kept as they are).
std::vector<std::u32string> wrap(const std::u32string& text, const WrapOptions& options);

// blurb's textwrap_body(text, subsequent_indent=...): the body reflowed to
// 76 columns paragraph by paragraph ("\n\n" separates them), ending in
// exactly one "\n". A paragraph starting with "* ", "1. " or "#. ", or
// following one that ends in "::", is kept as written (only indented).
std::string textwrap_body(const std::string& utf8, const std::string& subsequent_indent = "");

// textwrap_body() of a list of lines: joined with "\n" and right-stripped first.
std::string textwrap_body_lines(const std::vector<std::string>& lines);

}  // namespace relman::news
