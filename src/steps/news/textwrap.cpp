#include "steps/news/textwrap.h"

#include <algorithm>

#include "steps/news/text.h"

namespace relman::news {
namespace {

// TextWrapper._munge_whitespace: expandtabs(8), then each of "\t\n\v\f\r "
// becomes a space (other whitespace, U+00A0 say, is left alone).
std::u32string munge_whitespace(const std::u32string& text) {
  std::u32string out;
  size_t column = 0;
  for (char32_t c : text) {
    if (c == U'\t') {
      size_t n = 8 - column % 8;
      out.append(n, U' ');
      column += n;
      continue;
    }
    column = (c == U'\n' || c == U'\r') ? 0 : column + 1;
    out += (c == U'\n' || c == U'\v' || c == U'\f' || c == U'\r') ? U' ' : c;
  }
  return out;
}

// wordsep_simple_re.split(): runs of spaces and runs of anything else, in order.
std::vector<std::u32string> split_chunks(const std::u32string& text) {
  std::vector<std::u32string> chunks;
  size_t i = 0;
  while (i < text.size()) {
    bool space = text[i] == U' ';
    size_t j = i;
    while (j < text.size() && (text[j] == U' ') == space) ++j;
    chunks.push_back(text.substr(i, j - i));
    i = j;
  }
  return chunks;
}

bool blank(const std::u32string& s) { return strip(s).empty(); }

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size())
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::string wrap_joined(const std::string& paragraph, const WrapOptions& options) {
  std::vector<std::string> lines;
  for (const auto& line : wrap(decode_utf8(strip(paragraph), "text"), options)) lines.push_back(encode_utf8(line));
  return rstrip(join(lines, "\n"));
}

}  // namespace

std::vector<std::u32string> wrap(const std::u32string& text, const WrapOptions& options) {
  // TextWrapper._wrap_chunks with break_long_words=False, drop_whitespace=True.
  std::vector<std::u32string> chunks = split_chunks(munge_whitespace(text));
  std::reverse(chunks.begin(), chunks.end());
  std::vector<std::u32string> lines;
  while (!chunks.empty()) {
    std::vector<std::u32string> line;
    size_t len = 0;
    const std::u32string& indent = lines.empty() ? options.initial_indent : options.subsequent_indent;
    // Python computes this as a signed int; a width of at most the indent
    // leaves no room, and every chunk goes on a line of its own.
    long width = static_cast<long>(options.width) - static_cast<long>(indent.size());
    if (blank(chunks.back()) && !lines.empty()) chunks.pop_back();
    while (!chunks.empty()) {
      long l = static_cast<long>(chunks.back().size());
      if (static_cast<long>(len) + l <= width) {
        line.push_back(chunks.back());
        chunks.pop_back();
        len += l;
      } else {
        break;
      }
    }
    // _handle_long_word without breaking: a word wider than the line goes
    // on a line of its own.
    if (!chunks.empty() && static_cast<long>(chunks.back().size()) > width && line.empty()) {
      line.push_back(chunks.back());
      chunks.pop_back();
    }
    if (!line.empty() && blank(line.back())) line.pop_back();
    if (!line.empty()) {
      std::u32string joined = indent;
      for (const auto& c : line) joined += c;
      lines.push_back(joined);
    }
  }
  return lines;
}

std::string textwrap_body(const std::string& utf8, const std::string& subsequent_indent) {
  // Step 1: trailing whitespace off every line.
  std::vector<std::string> lines;
  for (const auto& line : split(utf8, "\n")) lines.push_back(rstrip(line));
  std::string text = join(lines, "\n");
  // Step 2: wrap the paragraphs one by one.
  WrapOptions options;
  options.subsequent_indent = decode_utf8(subsequent_indent, "indent");
  bool has_initial = false;  // blurb sets initial_indent after the first paragraph
  std::vector<std::string> out;
  bool dont_reflow = false;
  for (std::string paragraph : split(text, "\n\n")) {
    dont_reflow =
        dont_reflow || starts_with(paragraph, "* ") || starts_with(paragraph, "1. ") || starts_with(paragraph, "#. ");
    if (dont_reflow) {
      std::string initial = has_initial ? encode_utf8(options.initial_indent) : "";
      if (!initial.empty() || !subsequent_indent.empty()) {
        std::vector<std::string> indented;
        bool first = true;
        for (const auto& line : split(paragraph, "\n")) {
          indented.push_back((first ? initial : subsequent_indent) + rstrip(line));
          first = false;
        }
        paragraph = join(indented, "\n");
      }
      out.push_back(paragraph);
    } else {
      // Twice: a second pass can join what the first split after a
      // sentence's two spaces, and the result must be stable.
      paragraph = wrap_joined(wrap_joined(paragraph, options), options);
      out.push_back(paragraph);
    }
    dont_reflow = ends_with(paragraph, "::");
    if (!subsequent_indent.empty()) {
      options.initial_indent = options.subsequent_indent;
      has_initial = true;
    }
  }
  text = rstrip(join(out, "\n\n"));
  if (!ends_with(text, "\n")) text += "\n";
  return text;
}

std::string textwrap_body_lines(const std::vector<std::string>& lines) {
  return textwrap_body(rstrip(join(lines, "\n")));
}

}  // namespace relman::news
