#include "steps/cpython_text.h"

#include <fmt/format.h>

#include <regex>
#include <tuple>

#include "core/errors.h"

namespace relman::steps::cpython {

namespace {

// Python's str.expandtabs(8).
std::string expand_tabs(const std::string& s) {
  std::string out;
  size_t col = 0;
  for (char c : s) {
    if (c == '\t') {
      size_t n = 8 - col % 8;
      out.append(n, ' ');
      col += n;
    } else {
      out += c;
      col = (c == '\n' || c == '\r') ? 0 : col + 1;
    }
  }
  return out;
}

// Tag.level as release.py spells it ("f" for a final); Python compares these
// as strings.
std::string level_text(ReleaseLevel l) { return l == ReleaseLevel::final ? "f" : level_suffix(l); }

// Lines with their "\n" kept, as Python iterates a text file.
std::vector<std::string> lines_keep_ends(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

// A replacement string for std::regex_replace holding `s` literally.
std::string literal_replacement(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

}  // namespace

std::string patchlevel_constants(const Version& v, const std::string& suffix) {
  const std::string level = level_text(v.level);
  std::string level_def = level == "a"    ? "PY_RELEASE_LEVEL_ALPHA"
                          : level == "b"  ? "PY_RELEASE_LEVEL_BETA"
                          : level == "rc" ? "PY_RELEASE_LEVEL_GAMMA"
                                          : "PY_RELEASE_LEVEL_FINAL";
  std::string s = fmt::format(
      "#define PY_MAJOR_VERSION\t{}\n"
      "#define PY_MINOR_VERSION\t{}\n"
      "#define PY_MICRO_VERSION\t{}\n"
      "#define PY_RELEASE_LEVEL\t{}\n"
      "#define PY_RELEASE_SERIAL\t{}\n"
      "\n"
      "/* Version as a string */\n"
      "#define PY_VERSION      \t\"{}{}\"",
      v.major, v.minor, v.micro, level_def, v.serial, v.str(), suffix);
  // The tooling aligns with spaces from 3.7.0a3 on (Python compares the level
  // strings, so "f" and "rc" sort after "a").
  if (std::make_tuple(v.major, v.minor, v.micro, level, v.serial) >= std::make_tuple(3, 7, 0, std::string("a"), 3))
    s = expand_tabs(s);
  return s;
}

std::string replace_constants(const std::filesystem::path& file, const std::string& text,
                              const std::string& constants) {
  const std::string start_tag = "/*--start constants--*/", end_tag = "/*--end constants--*/";
  std::string out;
  bool found = false, waiting = false, ended = false;
  for (const auto& line : lines_keep_ends(text)) {
    std::string key = line.substr(0, line.size() - 1);  // line[:-1]
    if (key == start_tag) {
      out += start_tag + "\n" + constants + "\n" + end_tag + "\n";
      waiting = found = true;
    } else if (key == end_tag) {
      waiting = false;
      ended = true;
    } else if (!waiting) {
      out += line;
    }
  }
  if (!found || !ended)
    throw StepError(
        fmt::format("{} has no '{}' ... '{}' block; is --repo a CPython checkout? Restore the markers (git checkout "
                    "-- {}), then: relman resume",
                    file.string(), start_tag, end_tag, file.string()));
  return out;
}

std::string universal_newlines(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string readme_title(const std::filesystem::path& file, const std::string& text, const std::string& project,
                         const std::string& title_version) {
  const size_t first = text.find('\n');
  const size_t second = first == std::string::npos ? std::string::npos : text.find('\n', first + 1);
  const std::string line0 = text.substr(0, first);
  const std::string line1 =
      first == std::string::npos
          ? ""
          : text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  static const std::regex title(R"(^This is .* version .*$)");
  static const std::regex rule(R"(^=+$)");
  // release.py overwrites the first two lines whatever they hold; relman
  // refuses a README that does not start with the title, which would lose
  // a line of someone's text.
  if (first == std::string::npos || !std::regex_match(line0, title) || !std::regex_match(line1, rule))
    throw StepError(
        fmt::format("{} does not start with the \"This is Python version X.Y.Z\" title and its \"====\" line; "
                    "restore it (git checkout -- {}), then: relman resume",
                    file.string(), file.string()));
  const std::string this_is = fmt::format("This is {} version {}", project, title_version);
  std::string out = this_is + "\n" + std::string(this_is.size(), '=');
  if (second != std::string::npos) out += text.substr(second);
  return out;
}

std::string readme_links(const std::string& text, const Version& v, const std::string& pep) {
  const std::string xy = v.major_minor();
  static const std::regex whatsnew(
      R"([0-9]+\.[0-9]+ (<https://docs\.python\.org/)[0-9]+\.[0-9]+(/whatsnew/)[0-9]+\.[0-9]+(\.html>`_))");
  static const std::regex docs(
      R"((`Documentation for Python )[0-9]+\.[0-9]+( <https://docs\.python\.org/)[0-9]+\.[0-9]+(/>`_))");
  static const std::regex pep_ref(
      R"((`PEP )[0-9]+( <https://peps\.python\.org/pep-)[0-9]+(/>`__ for Python )[0-9]+\.[0-9]+)");
  // "$01", not "$1": the version's digits would extend the group number.
  std::string out = std::regex_replace(text, whatsnew, fmt::format("{0} $01{0}$02{0}$03", xy));
  out = std::regex_replace(out, docs, fmt::format("$01{0}$02{0}$03", xy));
  // str.zfill(4) on a number; "TODO" as it is.
  std::string padded = pep;
  if (pep != "TODO" && padded.size() < 4) padded.insert(0, 4 - padded.size(), '0');
  out = std::regex_replace(out, pep_ref,
                           fmt::format("$01{}$02{}$03{}", literal_replacement(pep), literal_replacement(padded), xy));
  return out;
}

namespace {
// update_version_next.py's DIRECTIVE_RE (re.VERBOSE | re.DOTALL, fullmatch
// on a line with its "\n").
const std::regex& directive_re() {
  static const std::regex re(
      R"(^(\s*\.\.\s+(?:version(?:added|changed|removed)|deprecated(?:-removed)?)\s*::\s*)next([\s\S]*)$)");
  return re;
}
// Most lines hold no directive: skip the regex for them.
bool may_be_directive(const std::string& line) {
  return line.find("next") != std::string::npos && line.find("::") != std::string::npos;
}
}  // namespace

bool is_next_directive(const std::string& line) {
  return may_be_directive(line) && std::regex_match(line, directive_re());
}

std::string replace_next_directives(const std::string& text, const std::string& version, int& changed) {
  std::string out;
  out.reserve(text.size());
  changed = 0;
  std::smatch m;
  for (const auto& line : lines_keep_ends(text)) {
    if (may_be_directive(line) && std::regex_match(line, m, directive_re())) {
      out += m[1].str() + version + m[2].str();
      ++changed;
    } else {
      out += line;
    }
  }
  return out;
}

std::optional<std::string> bump_configure_ac(const std::string& text, const Version& v) {
  static const std::regex re(R"(^m4_define\(\[PYTHON_VERSION\], \[([0-9]+)\.([0-9]+)\]\)$)");
  const std::string prev = fmt::format("{}.{}", v.major, v.minor - 1);
  std::string out;
  int found = 0;
  std::smatch m;
  for (const auto& line : lines_keep_ends(text)) {
    std::string body = line.back() == '\n' ? line.substr(0, line.size() - 1) : line;
    if (std::regex_match(body, m, re)) {
      const std::string have = m[1].str() + "." + m[2].str();
      if (have != prev && have != v.major_minor()) return std::nullopt;
      ++found;
      out += fmt::format("m4_define([PYTHON_VERSION], [{}])", v.major_minor()) + line.substr(body.size());
    } else {
      out += line;
    }
  }
  if (found != 1) return std::nullopt;
  return out;
}

std::optional<std::string> bump_pyconfig_h(const std::string& text, const Version& v) {
  if (v.minor == 0) return std::nullopt;
  const std::string prev = fmt::format("\"python{}{}", v.major, v.minor - 1);
  const std::string next = fmt::format("\"python{}{}", v.major, v.minor);
  // "python314" followed by t, _d, t_d or nothing, then ".lib\"".
  const std::regex re(prev + R"(((?:t)?(?:_d)?\.lib"))");
  const std::regex done(next + R"((?:t)?(?:_d)?\.lib")");
  if (std::regex_search(text, re)) return std::regex_replace(text, re, next + "$01");
  if (std::regex_search(text, done)) return text;
  return std::nullopt;
}

const std::vector<std::string>& next_feature_files() {
  static const std::vector<std::string> files = {
      "configure.ac",
      "Doc/tutorial/interpreter.rst",
      "Doc/tutorial/stdlib.rst",
      "Doc/tutorial/stdlib2.rst",
      "Include/internal/pycore_magic_number.h",
      "PC/launcher.c",
      "PC/pyconfig.h",
      ".github/ISSUE_TEMPLATE/bug.yml",
      ".github/ISSUE_TEMPLATE/crash.yml",
  };
  return files;
}

}  // namespace relman::steps::cpython
