// cpython.check_magic: from 3.14 on, the magic number in
// Include/internal/pycore_magic_number.h must be the one
// Lib/test/test_importlib/test_util.py expects (release-tools run_release.py
// check_magic_number): an error for a final or a release candidate, a
// warning before. Trees without the files (older or not CPython) are skipped
// with a note.
#include <fmt/format.h>

#include <optional>

#include "adapters/durable.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "core/text.h"

namespace relman::steps {
namespace {

const char* kActual = "Include/internal/pycore_magic_number.h";
const char* kExpected = "Lib/test/test_importlib/test_util.py";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// re.search(r"^#define\s+PYC_MAGIC_NUMBER\s+(?P<magic>\d+)$", re.MULTILINE)
std::optional<std::string> actual_magic(const std::string& text) {
  for (const auto& line : split_lines(text)) {
    const std::string head = "#define";
    if (line.compare(0, head.size(), head) != 0) continue;
    size_t i = head.size(), j = i;
    while (j < line.size() &&
           (line[j] == ' ' || line[j] == '\t' || line[j] == '\v' || line[j] == '\f' || line[j] == '\r'))
      ++j;
    if (j == i || line.compare(j, 16, "PYC_MAGIC_NUMBER") != 0) continue;
    i = j + 16;
    j = i;
    while (j < line.size() &&
           (line[j] == ' ' || line[j] == '\t' || line[j] == '\v' || line[j] == '\f' || line[j] == '\r'))
      ++j;
    if (j == i) continue;
    const std::string rest = line.substr(j);
    if (is_digits(rest)) return rest;
  }
  return std::nullopt;
}

// re.search(r"^\s+EXPECTED_MAGIC_NUMBER = (?P<magic>\d+)$", re.MULTILINE):
// the `\s+` may also be a blank line before it.
std::optional<std::string> expected_magic(const std::string& text) {
  const auto lines = split_lines(text);
  const std::string key = "EXPECTED_MAGIC_NUMBER = ";
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    size_t i = 0;
    while (i < line.size() && is_space(line[i])) ++i;
    const bool blank_before = n > 0 && lines[n - 1].find_first_not_of(" \t\r\v\f") == std::string::npos;
    if (i == 0 && !blank_before) continue;
    if (line.compare(i, key.size(), key) != 0) continue;
    std::string rest = line.substr(i + key.size());
    if (is_digits(rest)) return rest;
  }
  return std::nullopt;
}

class CpythonCheckMagic : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override { return {}; }
  std::vector<std::string> outputs() const override { return {"checked", "actual", "expected"}; }

  json run(StepContext& ctx) const override {
    const Version& v = ctx.release;
    json out = {{"checked", false}, {"actual", ""}, {"expected", ""}};
    // release-tools runs the check from 3.14 on, where the number moved to
    // pycore_magic_number.h.
    if (!v.at_least(3, 14)) {
      ctx.log->line(fmt::format("{} predates the magic number check (3.14+): skipped", v.str()));
      return out;
    }
    const auto actual_file = ctx.repo / kActual, expected_file = ctx.repo / kExpected;
    if (!std::filesystem::exists(actual_file) || !std::filesystem::exists(expected_file)) {
      ctx.log->line(
          fmt::format("note: {} or {} does not exist in this tree: magic number check skipped", kActual, kExpected));
      return out;
    }
    const bool strict = v.includes_docs();  // finals and release candidates
    auto complain = [&](const std::string& msg) {
      if (strict) throw StepError(msg);
      ctx.log->line("warning: " + msg);
    };
    auto actual = actual_magic(durable::read_file(actual_file));
    auto expected = expected_magic(durable::read_file(expected_file));
    if (!actual) complain(fmt::format("cannot find `#define PYC_MAGIC_NUMBER N` in {}", kActual));
    if (!expected) complain(fmt::format("cannot find `EXPECTED_MAGIC_NUMBER = N` in {}", kExpected));
    out = {{"checked", true}, {"actual", actual.value_or("unknown")}, {"expected", expected.value_or("unknown")}};
    if (actual && expected && *actual != *expected)
      complain(
          fmt::format("magic numbers in {} ({}) and {} ({}) don't match; test_importlib fails, and a release "
                      "candidate or final must not ship so: fix EXPECTED_MAGIC_NUMBER upstream, pull it, then: "
                      "relman resume",
                      kActual, *actual, kExpected, *expected));
    else if (actual && expected) ctx.log->line(fmt::format("magic number {} matches", *actual));
    return out;
  }

  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "a check is run again"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonCheckMagic, "cpython.check_magic");
}  // namespace relman::steps
