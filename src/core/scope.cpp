#include "core/scope.h"

#include <fmt/format.h>

#include <stdexcept>

namespace relman {

TemplateResolver make_resolver(const Version& v, const VarMap& vars, const RunPaths& paths, const RunState* state) {
  return [&v, &vars, &paths, state](const TemplateExpr& e) -> nlohmann::json {
    auto parts = e.parts();
    const std::string& root = parts[0];
    if (root == "release" && parts.size() == 2) return release_value(v, parts[1]);
    if (root == "vars" && parts.size() == 2) {
      auto it = vars.find(parts[1]);
      if (it != vars.end()) return it->second;
    }
    if (root == "env" && parts.size() == 2) {
      const char* val = std::getenv(parts[1].c_str());
      if (!val) throw std::out_of_range(fmt::format("environment variable {} is not set", parts[1]));
      return std::string(val);
    }
    if (root == "run" && parts.size() == 2) {
      if (parts[1] == "artifacts") return paths.artifacts.string();
      if (parts[1] == "repo") return paths.repo.string();
      if (parts[1] == "state") return paths.state.string();
      if (parts[1] == "logs") return paths.logs.string();
      if (parts[1] == "mode") return to_string(paths.mode);
    }
    if (root == "steps" && parts.size() == 4 && parts[2] == "outputs") {
      if (!state) return fmt::format("<{} of {}>", parts[3], parts[1]);
      const StepStatus* s = state->find(parts[1]);
      if (s && s->state == StepState::skipped) return nullptr;
      if (!s || s->state != StepState::succeeded)
        throw std::out_of_range(fmt::format("step '{}' has not succeeded, so ${{{}}} has no value", parts[1], e.text));
      if (!s->outputs.contains(parts[3]))
        throw std::out_of_range(fmt::format("step '{}' recorded no output '{}'", parts[1], parts[3]));
      return s->outputs[parts[3]];
    }
    throw std::out_of_range(fmt::format("unknown template name '${{{}}}'", e.text));
  };
}

VarMap resolve_vars(const Workflow& wf, const Version& v, const RunPaths& paths) {
  VarMap vars;
  auto resolve = make_resolver(v, vars, paths, nullptr);
  std::vector<Diagnostic> problems;
  for (const auto& [k, raw] : wf.vars) {
    try {
      vars[k] = expand_templates(raw, resolve);
    } catch (const std::exception& e) {
      Diagnostic d;
      d.where.file = wf.file.string();
      d.message = fmt::format("var '{}': {}", k, e.what());
      problems.push_back(std::move(d));
    }
  }
  if (!problems.empty()) throw ConfigError(problems);
  return vars;
}

}  // namespace relman
