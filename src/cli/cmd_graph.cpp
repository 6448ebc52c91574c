// relman graph: the workflow's steps and needs as Graphviz dot or Mermaid.
#include <fmt/format.h>

#include <cstdio>

#include "cli/options.h"
#include "cli/run_support.h"
#include "core/errors.h"
#include "core/scope.h"

namespace relman::cli {

int cmd_graph(const Options& o) {
  Workflow wf = load_workflow(find_workflow(o.workflow), parse_vars(o.vars));
  std::optional<Version> version;
  if (!o.version.empty()) version = Version::parse(o.version);
  VarMap vars;
  for (const auto& [k, v] : wf.vars) vars[k] = v;
  auto active = [&](const StepDef& s) { return !version || !s.when || s.when->eval(*version, vars); };
  std::string format = o.format.empty() ? "dot" : o.format;
  std::string out;
  if (format == "dot") {
    out += fmt::format("digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n", wf.name);
    for (const auto& s : wf.steps) {
      std::string colour = !s.kind ? "white" : s.uses == "gate" ? "gold" : s.kind->effect() == Effect::remote ? "lightsalmon"
                                           : s.kind->effect() == Effect::local ? "lightblue" : "palegreen";
      std::string label = s.id + "\\n" + s.uses + (s.when ? "\\nwhen " + s.when->text() : "");
      out += fmt::format("  \"{}\" [label=\"{}\", fillcolor=\"{}\"{}];\n", s.id, label, active(s) ? colour : "grey90",
                         active(s) ? "" : ", fontcolor=grey50, style=\"rounded,dashed\"");
    }
    for (const auto& s : wf.steps)
      for (const auto& n : s.needs) out += fmt::format("  \"{}\" -> \"{}\";\n", n, s.id);
    out += "}\n";
  } else if (format == "mermaid") {
    out += "flowchart TD\n";
    auto node_id = [](const std::string& id) {
      std::string r;
      for (char c : id) r += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
      return r;
    };
    for (const auto& s : wf.steps) {
      std::string shape_open = s.uses == "gate" ? "{{" : "[";
      std::string shape_close = s.uses == "gate" ? "}}" : "]";
      out += fmt::format("  {}{}\"{}<br/>{}\"{}\n", node_id(s.id), shape_open, s.id, s.uses, shape_close);
      if (!active(s)) out += fmt::format("  style {} stroke-dasharray: 5 5,color:#999\n", node_id(s.id));
    }
    for (const auto& s : wf.steps)
      for (const auto& n : s.needs) out += fmt::format("  {} --> {}\n", node_id(n), node_id(s.id));
  } else {
    throw UsageError(fmt::format("--format {}: expected dot or mermaid", format));
  }
  std::fputs(out.c_str(), stdout);
  return exit_code::finished;
}

}  // namespace relman::cli
