// relman graph: the workflow's steps and needs as Graphviz dot or Mermaid.
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/shared_options.h"
#include "cli/vars.h"
#include "core/errors.h"
#include "core/scope.h"

namespace relman::cli {

namespace {

// Inside a dot double-quoted string only `"` and `\` are special; `\n`
// (added by us) is a line break.
std::string dot_quoted(const std::string& text) {
  std::string r;
  for (char c : text) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

// Mermaid labels are double-quoted; quotes and markup are entity-encoded.
std::string mermaid_text(const std::string& text) {
  std::string r;
  for (char c : text) {
    switch (c) {
      case '"':
        r += "#quot;";
        break;
      case '<':
        r += "#lt;";
        break;
      case '>':
        r += "#gt;";
        break;
      default:
        r += c;
    }
  }
  return r;
}

// The same colours in both formats: gates gold, remote effects salmon,
// local effects blue, read-only steps green.
const char* colour_class(const StepDef& s) {
  if (!s.kind) return "unknown";
  if (s.is_gate()) return "gate";
  switch (s.kind->effect()) {
    case Effect::remote:
      return "remote";
    case Effect::local:
      return "local";
    default:
      return "readonly";
  }
}

int graph(const Options& o, const std::string& format_given) {
  Workflow wf = load_workflow(find_workflow(o.workflow), parse_vars(o.vars));
  std::optional<Version> version;
  if (!o.version.empty()) version = Version::parse(o.version);
  VarMap vars;
  for (const auto& [k, v] : wf.vars) vars[k] = v;
  auto active = [&](const StepDef& s) { return !version || !s.when || s.when->eval(*version, vars); };
  std::string format = format_given.empty() ? "dot" : format_given;
  std::string out;
  if (format == "dot") {
    const std::map<std::string, std::string> fill = {{"unknown", "white"},
                                                     {"gate", "gold"},
                                                     {"remote", "lightsalmon"},
                                                     {"local", "lightblue"},
                                                     {"readonly", "palegreen"}};
    out += fmt::format(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
        dot_quoted(wf.name));
    for (const auto& s : wf.steps) {
      std::string label =
          dot_quoted(s.id) + "\\n" + dot_quoted(s.uses) + (s.when ? "\\nwhen " + dot_quoted(s.when->text()) : "");
      out += fmt::format("  \"{}\" [label=\"{}\", fillcolor=\"{}\"{}];\n", dot_quoted(s.id), label,
                         active(s) ? fill.at(colour_class(s)) : "grey90",
                         active(s) ? "" : ", fontcolor=grey50, style=\"rounded,dashed\"");
    }
    for (const auto& s : wf.steps)
      for (const auto& n : s.needs) out += fmt::format("  \"{}\" -> \"{}\";\n", dot_quoted(n), dot_quoted(s.id));
    out += "}\n";
  } else if (format == "mermaid") {
    out +=
        "flowchart TD\n"
        "  classDef gate fill:#ffd700,stroke:#8a7500\n"
        "  classDef remote fill:#ffa07a,stroke:#a0522d\n"
        "  classDef local fill:#add8e6,stroke:#4682b4\n"
        "  classDef readonly fill:#98fb98,stroke:#2e8b57\n"
        "  classDef unknown fill:#ffffff,stroke:#999\n"
        "  classDef inactive fill:#e5e5e5,stroke:#999,color:#999,stroke-dasharray:5 5\n";
    auto node_id = [](const std::string& id) {
      std::string r;
      for (char c : id) r += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
      return r;
    };
    for (const auto& s : wf.steps) {
      std::string shape_open = s.is_gate() ? "{{" : "[";
      std::string shape_close = s.is_gate() ? "}}" : "]";
      std::string when = s.when ? "<br/>when " + mermaid_text(s.when->text()) : "";
      out += fmt::format("  {}{}\"{}<br/>{}{}\"{}:::{}\n", node_id(s.id), shape_open, mermaid_text(s.id),
                         mermaid_text(s.uses), when, shape_close, active(s) ? colour_class(s) : "inactive");
    }
    for (const auto& s : wf.steps)
      for (const auto& n : s.needs) out += fmt::format("  {} --> {}\n", node_id(n), node_id(s.id));
  } else {
    throw UsageError(fmt::format("--format {}: expected dot or mermaid", format));
  }
  std::fputs(out.c_str(), stdout);
  return exit_code::finished;
}

}  // namespace

Command register_graph(CLI::App& app, Options& o) {
  auto format = std::make_shared<std::string>();
  CLI::App* c =
      add_command(app, "graph", "Draw the workflow's steps and needs", "relman graph 3.12.0 --format mermaid");
  add_version(*c, o, "grey out the steps this version skips", true);
  add_workflow(*c, o);
  add_vars(*c, o, "a workflow var, as `plan` takes it: KEY=VALUE (decides which `when` steps are greyed)");
  c->add_option("--format", *format, "dot or mermaid (default: dot)");
  return {c, [format](const Options& o) { return graph(o, *format); }};
}

}  // namespace relman::cli
