// The few Python string behaviours blurb's format depends on, on UTF-8 text:
// code points (Python's len() counts them, not bytes), str.isspace() and the
// strips built on it, repr() for error messages, and int() for issue numbers.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace relman::news {

// What blurb stops on (its BlurbError, and the assertions it makes on
// file names): the message names the file and says what is wrong.
class NewsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Strict UTF-8 (what Python's utf-8 codec accepts: no overlong forms, no
// surrogates, nothing above U+10FFFF). Throws NewsError naming `what` and
// the byte offset of the first bad byte.
std::u32string decode_utf8(std::string_view s, const std::string& what);
std::string encode_utf8(std::u32string_view s);

// Python's str.isspace() for one code point.
bool is_space(char32_t c);

// str.strip() / str.rstrip() without arguments.
std::u32string strip(std::u32string_view s);
std::u32string rstrip(std::u32string_view s);
std::string strip(std::string_view utf8);
std::string rstrip(std::string_view utf8);

// Python's universal newlines, as open() in text mode reads a file:
// "\r\n" and a lone "\r" become "\n".
std::string universal_newlines(std::string_view s);

// repr() of a str: quoted the way Python chooses, control characters escaped.
std::string py_repr(std::string_view utf8);

// int() of a str, for the issue numbers: surrounding whitespace, a sign and
// single underscores between ASCII digits allowed. nullopt when Python's
// int() would raise ValueError. Values beyond long long saturate.
std::optional<long long> py_int(std::string_view s);

}  // namespace relman::news
