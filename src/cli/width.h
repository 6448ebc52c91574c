// Fitting text to the terminal: its width, and lines cut or wrapped by
// characters on screen (UTF-8 code points), not bytes.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace relman::cli {

// The width of the terminal `out` is on; else $COLUMNS; else 80.
size_t columns(std::FILE* out);

// Characters on screen: code points, ANSI colour sequences not counted.
size_t display_width(const std::string& s);

// `s` cut to at most `width` characters on screen, "..." marking the cut.
std::string fit(const std::string& s, size_t width);

// Words wrapped to lines of at most `width` characters (a longer word is cut).
std::vector<std::string> wrap(const std::string& text, size_t width);

}  // namespace relman::cli
