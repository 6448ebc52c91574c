// Hostile workflows get a clear error quickly, through the real binary:
// each case is refused with exit 2 and its reason, and `plan` stays within
// a few seconds and 256 MB however the input is built (docs/security-loader.md).
#include <gtest/gtest.h>
#include "test_paths.h"

#include <filesystem>
#include <string>

#include "support/matchers.h"
#include "support/names.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 4;  // shadow memory and checks
#else
constexpr int kSlowdown = 1;
#endif

struct Measured {
  Ran ran;
  // CPU seconds (user + system) of relman: what the input costs, whatever
  // else the machine is doing meanwhile.
  double seconds = -1;
  long max_rss_kb = 0;
  long stderr_bytes = -1;  // all of it, though only its end is kept
};

// `relman plan 3.12.0 --workflow FILE`, with its CPU time and peak memory from a
// fresh parent (python's getrusage of its one child), so no earlier child
// of this test process counts.
Measured plan(const fs::path& workflow) {
  const std::string script =
      "import resource, subprocess, sys\n"
      "r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
      "sys.stdout.buffer.write(r.stdout[-4000:])\n"
      "sys.stderr.buffer.write(r.stderr[-4000:])\n"
      "sys.stderr.write('\\nerrlen=%d\\n' % len(r.stderr))\n"
      "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
      "sys.stderr.write('\\ncpu=%f\\n' % (u.ru_utime + u.ru_stime))\n"
      "sys.stderr.write('\\nmaxrss=%d\\n' % u.ru_maxrss)\n"
      "sys.exit(r.returncode)\n";
  Measured m;
  m.ran = relman::test::sh("python3 -c " + quote(script) + " " + quote(RELMAN_BINARY) + " plan 3.12.0 --workflow " +
                           quote(workflow.string()));
  auto at = m.ran.err.rfind("cpu=");
  if (at != std::string::npos) m.seconds = std::stod(m.ran.err.substr(at + 4));
  at = m.ran.err.rfind("maxrss=");
  if (at != std::string::npos) m.max_rss_kb = std::stol(m.ran.err.substr(at + 7));
  at = m.ran.err.rfind("errlen=");
  if (at != std::string::npos) m.stderr_bytes = std::stol(m.ran.err.substr(at + 7));
  return m;
}

void expect_refused_quickly(const fs::path& wf, const std::string& message) {
  Measured m = plan(wf);
  EXPECT_EQ(m.ran.exit_code, 2) << wf << "\n" << m.ran.err.substr(0, 2000);
  EXPECT_THAT(m.ran.err, HasSubstr(message)) << "expected: " << message << "\ngot: " << m.ran.err.substr(0, 2000);
  EXPECT_GE(m.seconds, 0.0);
  EXPECT_LT(m.seconds, 5.0 * kSlowdown) << wf;
  EXPECT_GT(m.max_rss_kb, 0);
  EXPECT_LT(m.max_rss_kb, 256L * 1024 * kSlowdown) << wf;
  // The message quotes what it must, not the whole hostile input.
  EXPECT_GE(m.stderr_bytes, 0);
  EXPECT_LT(m.stderr_bytes, 4000) << wf;
}

std::string step_with_when(const std::string& when) {
  return "name: hostile\nsteps:\n  - id: a\n    uses: exec\n    when: '" + when + "'\n    with: {argv: [\"true\"]}\n";
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST(HostileInput, DeeplyNestedParenthesesInAWhen) {
  TempDir d;
  write_file(d / "wf.yaml", step_with_when(repeat("(", 20000) + "final" + repeat(")", 20000)));
  expect_refused_quickly(d / "wf.yaml", "longer than 4096 characters");
  write_file(d / "wf.yaml", step_with_when(repeat("(", 1000) + "final" + repeat(")", 1000)));
  expect_refused_quickly(d / "wf.yaml", "nested more than 64 levels deep");
}

TEST(HostileInput, ManyNotsInAWhen) {
  TempDir d;
  write_file(d / "wf.yaml", step_with_when(repeat("not ", 200000) + "final"));
  // 800,000 characters: refused for its length before any parsing.
  expect_refused_quickly(d / "wf.yaml", "longer than 4096 characters");
  write_file(d / "wf.yaml", step_with_when(repeat("not ", 1000) + "final"));
  expect_refused_quickly(d / "wf.yaml", "nested more than 64 levels deep");
}

TEST(HostileInput, ALongChainOfOperatorsStillEvaluates) {
  TempDir d;
  // 4,000 characters of `or`: within the limits, so it loads and plans.
  std::string when = "alpha" + repeat(" or beta", 480);
  ASSERT_LT(when.size(), 4096u);
  write_file(d / "wf.yaml", step_with_when(when));
  Measured m = plan(d / "wf.yaml");
  EXPECT_EQ(m.ran.exit_code, 0) << m.ran.err;
  EXPECT_THAT(m.ran.out, HasSubstr("(skipped: when")) << m.ran.out;
}

TEST(HostileInput, AStepIdTooLongForAFileName) {
  TempDir d;
  write_file(d / "wf.yaml", "name: hostile\nsteps:\n  - id: " + std::string(255, 'a') +
                                "\n    uses: exec\n    with: {argv: [\"true\"]}\n");
  expect_refused_quickly(d / "wf.yaml", "is 255 characters long");
  // 64 is the limit, and loads.
  write_file(d / "wf.yaml", "name: fine\nsteps:\n  - id: " + std::string(64, 'a') +
                                "\n    uses: exec\n    with: {argv: [\"true\"]}\n");
  EXPECT_EQ(plan(d / "wf.yaml").ran.exit_code, 0);
}

TEST(HostileInput, ATemplateBombNamesItsVar) {
  TempDir d;
  std::string wf = "name: hostile\nvars:\n  v0: \"0123456789\"\n";
  for (int i = 1; i < 10; ++i)
    wf += "  v" + std::to_string(i) + ": \"" + repeat("${vars.v" + std::to_string(i - 1) + "}", 10) + "\"\n";
  wf += "steps:\n  - id: a\n    uses: exec\n    with: {argv: [echo, \"${vars.v9}\"]}\n";
  write_file(d / "wf.yaml", wf);
  // v5 is 10^6 characters; v6 would be 10^7.
  expect_refused_quickly(d / "wf.yaml", "var 'v6': its templates expand to more than 1048576 bytes");
}

TEST(HostileInput, ATemplateBombOfListsNamesItsVar) {
  TempDir d;
  // A list item that is exactly one template keeps the value's type, so
  // lists nest: ten levels of ten would be 10^10 items.
  std::string wf = "name: hostile\nvars:\n  v0: [a, b, c, d, e, f, g, h, i, j]\n";
  for (int i = 1; i < 10; ++i)
    wf += "  v" + std::to_string(i) + ": [" + repeat("\"${vars.v" + std::to_string(i - 1) + "}\", ", 9) + "\"${vars.v" +
          std::to_string(i - 1) + "}\"]\n";
  wf += "steps:\n  - id: a\n    uses: exec\n    with: {argv: [echo, \"${vars.v9}\"]}\n";
  write_file(d / "wf.yaml", wf);
  expect_refused_quickly(d / "wf.yaml", "its templates expand to more than");
}

namespace {

// Nine levels of anchors, each a list of the previous one ten times: 10^9
// values once expanded, under `path` of a step `uses` with `with_prefix`.
std::string alias_bomb(const std::string& uses, const std::string& with_prefix, const std::string& param) {
  std::string out = "name: hostile\nsteps:\n  - id: a\n    uses: " + uses + "\n    with:\n" + with_prefix;
  out += "      " + param + ":\n";
  out += "        l0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    out += "        l" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) out += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    out += "]\n";
  }
  return out;
}

}  // namespace

TEST(HostileInput, AliasBombsUnderEveryFreeFormParameter) {
  TempDir d;
  struct Case {
    std::string uses, prefix, param;
  };
  std::vector<Case> cases = {
      {"ci.dispatch", "      repo: o/r\n      workflow: build.yml\n", "inputs"},
      {"announce", "", "links"},
      {"smoke.run", "", "commands"},
  };
  for (const auto& c : cases) {
    write_file(d / "wf.yaml", alias_bomb(c.uses, c.prefix, c.param));
    SCOPED_TRACE(c.uses);
    expect_refused_quickly(d / "wf.yaml", "more than 100000 values once its YAML aliases are expanded");
  }
}

TEST(HostileInput, AHugeWorkflowIsRefusedForItsSize) {
  TempDir d;
  std::string wf = "name: hostile\nsteps:\n";
  for (int i = 0; wf.size() < 10u * 1024 * 1024; ++i)
    wf += "  - id: s" + std::to_string(i) + "\n    uses: exec\n    with: {argv: [\"true\"]}\n";
  write_file(d / "wf.yaml", wf);
  expect_refused_quickly(d / "wf.yaml", "relman reads workflows of at most 1048576 bytes");
}

TEST(HostileInput, TooManyStepsAreRefusedAndTheLimitLoadsLinearly) {
  TempDir d;
  auto steps = [](int n) {
    // Each step reads the output of the one before: the check that a step
    // needs what it reads walks the whole chain for every step.
    std::string wf = "name: many\nsteps:\n  - id: s0\n    uses: exec\n    with: {argv: [\"true\"]}\n";
    for (int i = 1; i < n; ++i)
      wf += "  - id: s" + std::to_string(i) + "\n    uses: exec\n    with: {argv: [echo, \"${steps.s" +
            std::to_string(i - 1) + ".outputs.output}\"]}\n";
    return wf;
  };
  write_file(d / "wf.yaml", steps(1001));
  expect_refused_quickly(d / "wf.yaml", "the workflow has 1001 steps; relman runs at most 1000");
  write_file(d / "wf.yaml", steps(1000));
  Measured m = plan(d / "wf.yaml");
  EXPECT_EQ(m.ran.exit_code, 0) << m.ran.err.substr(0, 2000);
  EXPECT_LT(m.seconds, 5.0 * kSlowdown);
  EXPECT_LT(m.max_rss_kb, 256L * 1024 * kSlowdown);
}

TEST(HostileInput, DeeplyNestedYaml) {
  TempDir d;
  write_file(d / "wf.yaml", "name: hostile\nsteps:\n  - id: a\n    uses: smoke.run\n    with:\n      commands: " +
                                repeat("[", 100000) + repeat("]", 100000) + "\n");
  Measured m = plan(d / "wf.yaml");
  EXPECT_EQ(m.ran.exit_code, 2) << m.ran.err.substr(0, 2000);
  EXPECT_THAT(m.ran.err, HasSubstr("YAML syntax error: nested more than")) << m.ran.err.substr(0, 2000);
  EXPECT_LT(m.seconds, 5.0 * kSlowdown);
}
