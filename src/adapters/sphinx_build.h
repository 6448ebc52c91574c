// Where the docs toolchain is: the sphinx-build that cpython.docs runs and
// that `relman doctor` looks for before the day, found by one rule.
#pragma once

#include <filesystem>
#include <string>

namespace relman::sphinx {

// `given` when set: a program name looked up in PATH, or a path (relative to
// `repo` unless absolute) that must be executable. Otherwise the
// checkout's Doc/venv/bin/sphinx-build (what `make -C Doc venv` makes, and
// what CPython's Doc/Makefile itself prefers), else PATH's. Empty when none.
std::filesystem::path find_build(const std::filesystem::path& repo, const std::string& given);

}  // namespace relman::sphinx
