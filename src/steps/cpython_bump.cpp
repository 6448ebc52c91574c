// cpython.bump: what CPython's release tooling (release.py: tweak_patchlevel,
// tweak_readme, done) does to Include/patchlevel.h and README.rst, byte for
// byte, so a relman release and a release.py release produce the same commit.
#include <fmt/format.h>

#include <regex>
#include <tuple>

#include "adapters/fs.h"
#include "core/errors.h"
#include "core/step_kind.h"

namespace relman::steps {
namespace {

// A version as release.py's Tag reads it: "3.12.0rc1", "3.13.0a0", "3.12".
struct Tag {
  int major = 0, minor = 0, patch = 0, serial = 0;
  std::string level = "f";  // a, b, rc, f
  std::string text;         // normalised: "3.12.0rc1"

  std::string long_name() const {
    std::string base = fmt::format("{}.{}.{}", major, minor, patch);
    if (level == "f") return base;
    std::string word = level == "a" ? "alpha" : level == "b" ? "beta" : "release candidate";
    return fmt::format("{} {} {}", base, word, serial);
  }
};

Tag parse_tag(const std::string& s) {
  static const std::regex re(R"(^(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:([ab]|rc)(\d+))?$)");
  std::smatch m;
  if (!std::regex_match(s, m, re))
    throw StepError(fmt::format("parameter 'version': '{}' is not a version like 3.12.0, 3.12.0rc1 or "
                                "3.13.0a0", s));
  Tag t;
  t.major = std::stoi(m[1]);
  t.minor = m[2].matched ? std::stoi(m[2]) : 0;
  t.patch = m[3].matched ? std::stoi(m[3]) : 0;
  if (m[4].matched) {
    t.level = m[4];
    t.serial = std::stoi(m[5]);
  }
  t.text = fmt::format("{}.{}.{}", t.major, t.minor, t.patch);
  if (t.level != "f") t.text += t.level + std::to_string(t.serial);
  return t;
}

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

std::string patchlevel_constants(const Tag& t, bool post) {
  std::string level_def = t.level == "a"    ? "PY_RELEASE_LEVEL_ALPHA"
                          : t.level == "b"  ? "PY_RELEASE_LEVEL_BETA"
                          : t.level == "rc" ? "PY_RELEASE_LEVEL_GAMMA"
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
      t.major, t.minor, t.patch, level_def, t.serial, t.text, post ? "+" : "");
  // The tooling aligns with spaces from 3.7.0a3 on (Python compares the level
  // strings, so "f" and "rc" sort after "a").
  if (std::make_tuple(t.major, t.minor, t.patch, t.level, t.serial) >= std::make_tuple(3, 7, 0, std::string("a"), 3))
    s = expand_tabs(s);
  return s;
}

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

// constant_replace(): the block between the markers is replaced.
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
    throw StepError(fmt::format(
        "{} has no '{}' ... '{}' block; is --repo a CPython checkout? Restore the markers (git checkout "
        "-- {}), then: relman resume", file.string(), start_tag, end_tag, file.string()));
  return out;
}

// Python's str.splitlines() for ASCII text.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\x1c' || c == '\x1d' || c == '\x1e') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// tweak_readme(): first line "This is <project> version <long name>", second
// line "=" as long. The tooling joins the lines with "\n" and so drops the
// file's final newline; relman does the same to match it byte for byte.
std::string rewrite_readme(const std::filesystem::path& file, const std::string& text,
                           const std::string& project, const Tag& t) {
  auto lines = split_lines(text);
  static const std::regex title(R"(^This is .* version .*$)");
  static const std::regex rule(R"(^=+$)");
  if (lines.size() < 2 || !std::regex_match(lines[0], title) || !std::regex_match(lines[1], rule))
    throw StepError(fmt::format(
        "{} does not start with the \"This is Python version X.Y.Z\" title and its \"====\" line; "
        "restore it (git checkout -- {}), then: relman resume", file.string(), file.string()));
  lines[0] = fmt::format("This is {} version {}", project, t.long_name());
  lines[1] = std::string(lines[0].size(), '=');
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

struct Target {
  std::string rel;  // path relative to the repository
  std::string content;
};

class CpythonBump : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"post", ParamType::boolean, false, "post-release bump (\"3.12.0+\"), patchlevel.h only; default false"},
            {"project", ParamType::string, false, "name in README.rst's title; default Python"},
            {"version", ParamType::string, false, "version to write; default the release's (accepts 3.13.0a0)"}};
  }
  std::vector<std::string> outputs() const override { return {"files", "version"}; }

  json run(StepContext& ctx) const override {
    auto [targets, version] = compute(ctx);
    json files = json::array();
    for (const auto& t : targets) {
      auto path = ctx.repo / t.rel;
      if (fs::read_file(path) != t.content) {
        fs::write_atomic(path, t.content);
        ctx.log->line(fmt::format("updated {} to {}", t.rel, version));
      } else {
        ctx.log->line(fmt::format("{} already says {}", t.rel, version));
      }
      files.push_back(t.rel);
    }
    return {{"files", files}, {"version", version}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    std::pair<std::vector<Target>, std::string> computed;
    try {
      computed = compute(ctx);
    } catch (const StepError& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
    json files = json::array();
    for (const auto& t : computed.first) {
      if (fs::read_file(ctx.repo / t.rel) != t.content)
        return {ProbeResult::not_done, json::object(), t.rel + " does not hold " + computed.second + " yet"};
      files.push_back(t.rel);
    }
    return {ProbeResult::done, {{"files", files}, {"version", computed.second}}, "the files hold the version"};
  }

 private:
  // The content each file must end with, and the version string written.
  static std::pair<std::vector<Target>, std::string> compute(const StepContext& ctx) {
    Tag tag = parse_tag(ctx.str("version", ctx.release.str()));
    bool post = ctx.flag("post", false);
    std::string project = ctx.str("project", "");
    if (project.empty()) project = "Python";
    std::vector<Target> out;
    auto read = [&](const std::string& rel) {
      auto p = ctx.repo / rel;
      if (!std::filesystem::exists(p))
        throw StepError(fmt::format("{} does not exist; is --repo a CPython checkout?",
                                    p.string()));
      return fs::read_file(p);
    };
    const std::string patchlevel = "Include/patchlevel.h";
    out.push_back({patchlevel, replace_constants(ctx.repo / patchlevel, read(patchlevel),
                                                 patchlevel_constants(tag, post))});
    // release.py --done touches only patchlevel.h.
    if (!post) out.push_back({"README.rst", rewrite_readme(ctx.repo / "README.rst", read("README.rst"), project, tag)});
    return {out, tag.text + (post ? "+" : "")};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonBump, "cpython.bump");
}  // namespace relman::steps
