#include "steps/news/text.h"

#include <fmt/format.h>

#include <limits>

namespace relman::news {

std::u32string decode_utf8(std::string_view s, const std::string& what) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  auto bad = [&]() -> NewsError {
    return NewsError(fmt::format("{} is not valid UTF-8 (byte {} of the file); save it as UTF-8", what, i));
  };
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += static_cast<char32_t>(b);
      ++i;
      continue;
    }
    size_t n = 0;
    char32_t c = 0, min = 0;
    if ((b & 0xE0) == 0xC0) {
      n = 1, c = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2, c = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3, c = b & 0x07, min = 0x10000;
    } else {
      throw bad();
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) throw bad();
      auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0) != 0x80) throw bad();
      c = (c << 6) | (cb & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) throw bad();
    out += c;
    i += n + 1;
  }
  return out;
}

std::string encode_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

bool is_space(char32_t c) {
  // The code points whose bidirectional class is WS, B or S, or whose
  // category is Zs: Python's definition of whitespace.
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::u32string strip(std::u32string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

std::u32string rstrip(std::u32string_view s) {
  size_t e = s.size();
  while (e > 0 && is_space(s[e - 1])) --e;
  return std::u32string(s.substr(0, e));
}

// The text is already known to be UTF-8 here: it was read through
// decode_utf8 or built from such text.
std::string strip(std::string_view utf8) { return encode_utf8(strip(decode_utf8(utf8, "text"))); }
std::string rstrip(std::string_view utf8) { return encode_utf8(rstrip(decode_utf8(utf8, "text"))); }

std::string universal_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string py_repr(std::string_view utf8) {
  bool single = utf8.find('\'') != std::string_view::npos, dbl = utf8.find('"') != std::string_view::npos;
  char quote = single && !dbl ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : utf8) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out + quote;
}

std::optional<long long> py_int(std::string_view s) {
  std::string t = strip(s);
  size_t i = 0;
  bool negative = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
  if (i == t.size()) return std::nullopt;
  long long value = 0;
  bool saturated = false, last_digit = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '_') {
      // Only between two digits: "1_000", never "_1", "1_" or "1__0".
      if (!last_digit || i + 1 == t.size() || t[i + 1] < '0' || t[i + 1] > '9') return std::nullopt;
      last_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    last_digit = true;
    if (!saturated) {
      if (value > (std::numeric_limits<long long>::max() - (c - '0')) / 10) {
        saturated = true;
        value = std::numeric_limits<long long>::max();
      } else {
        value = value * 10 + (c - '0');
      }
    }
  }
  return negative ? -value : value;
}

}  // namespace relman::news
