// relman graph: dot and Mermaid that other tools can read, whatever the
// step ids and `when` expressions contain.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "support/matchers.h"
#include "support/names.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace {

const char* kWorkflow = R"(name: graph "test"
vars:
  channel: stable
steps:
  - id: check
    uses: exec
    with: {argv: ["true"]}
  - id: tag-it
    uses: exec
    needs: [check]
    when: vars.channel == "stable" and final
    with: {argv: ["true"]}
  - id: green-light
    uses: gate
    needs: [tag-it]
    with: {message: "go?"}
  - id: beta-only
    uses: exec
    needs: [check]
    when: beta
    with: {argv: ["true"]}
)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST(Graph, DotQuotesEveryLabelSoGraphvizReadsIt) {
  TempDir d;
  write_file(d / "wf.yaml", kWorkflow);
  auto r = relman::test::relman({"graph", "3.12.0", "--workflow", (d / "wf.yaml").string()}, d.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front(), R"(digraph "graph \"test\"" {)");
  EXPECT_EQ(lines.back(), "}");
  // Every statement between is a node or an edge whose strings close where
  // they should: an unescaped quote breaks the match.
  const std::string str = R"("(?:[^"\\]|\\.)*")";
  const std::regex statement("  (?:rankdir=TB;|node \\[.*\\];|" + str + " \\[label=" + str + ", fillcolor=" + str +
                             "(?:, fontcolor=grey50, style=" + str + ")?\\];|" + str + " -> " + str + ";)");
  for (size_t i = 1; i + 1 < lines.size(); ++i) EXPECT_TRUE(std::regex_match(lines[i], statement)) << lines[i];
  EXPECT_THAT(r.out,
              HasSubstr(R"(label="tag-it\nexec\nwhen vars.channel == \"stable\" and final", fillcolor="lightblue")"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr(R"("green-light" [label="green-light\ngate", fillcolor="gold")"));
  // Not part of a final: greyed and dashed.
  EXPECT_THAT(r.out,
              HasSubstr(R"("beta-only" [label="beta-only\nexec\nwhen beta", fillcolor="grey90", fontcolor=grey50)"));
  EXPECT_THAT(r.out, HasSubstr(R"("tag-it" -> "green-light";)"));
  // Graphviz itself, where it is installed, reads it.
  if (sh("command -v dot >/dev/null").exit_code == 0) {
    write_file(d / "g.dot", r.out);
    auto dot = sh("dot -Tsvg " + quote((d / "g.dot").string()) + " -o " + quote((d / "g.svg").string()));
    EXPECT_EQ(dot.exit_code, 0) << dot.err;
  }
}

TEST(Graph, MermaidColoursNodesByEffectAndEncodesQuotes) {
  TempDir d;
  write_file(d / "wf.yaml", kWorkflow);
  auto r = relman::test::relman({"graph", "3.12.0", "--format", "mermaid", "--workflow", (d / "wf.yaml").string()},
                                d.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).front(), "flowchart TD");
  for (const char* cls : {"gate", "remote", "local", "readonly", "inactive"})
    EXPECT_THAT(r.out, HasSubstr(std::string("classDef ") + cls + " ")) << cls;
  EXPECT_THAT(r.out,
              HasSubstr(R"(tag_it["tag-it<br/>exec<br/>when vars.channel == #quot;stable#quot; and final"]:::local)"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr(R"(green_light{{"green-light<br/>gate"}}:::gate)")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(R"(beta_only["beta-only<br/>exec<br/>when beta"]:::inactive)")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("  tag_it --> green_light"));
  // No label carries a bare double quote inside it.
  for (const auto& line : lines_of(r.out)) {
    auto open = line.find("[\"") != std::string::npos ? line.find("[\"") : line.find("{{\"");
    if (open == std::string::npos) continue;
    auto first = line.find('"', open);
    auto last = line.rfind('"');
    EXPECT_EQ(line.substr(first + 1, last - first - 1).find('"'), std::string::npos) << line;
  }
}

// `--var` decides `when` as it does for plan: a step the var turns off is greyed.
TEST(Graph, AVarDecidesWhichStepsAreGreyed) {
  TempDir d;
  write_file(d / "wf.yaml", kWorkflow);
  auto stable = relman::test::relman({"graph", "3.12.0", "--workflow", (d / "wf.yaml").string()}, d.path());
  ASSERT_EQ(stable.exit_code, 0) << stable.err;
  EXPECT_THAT(stable.out, HasSubstr(R"(and final", fillcolor="lightblue"])")) << stable.out;
  auto nightly = relman::test::relman(
      {"graph", "3.12.0", "--var", "channel=nightly", "--workflow", (d / "wf.yaml").string()}, d.path());
  ASSERT_EQ(nightly.exit_code, 0) << nightly.err;
  EXPECT_THAT(nightly.out, HasSubstr(R"(and final", fillcolor="grey90", fontcolor=grey50)")) << nightly.out;
}
