// The workflow loader on any bytes: it loads, or refuses with ConfigError
// (every problem located), never crashes, hangs or throws anything else;
// what loads also plans (vars and every step's parameters expand, or fail
// with the loader's own errors).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/scope.h"
#include "core/workflow.h"
#include "fuzz/fuzz_support.h"

#ifdef RELMAN_FUZZ_CORE_ONLY
// The fuzz build has no step kinds (they pull in git, GPG and curl): these
// stand-ins declare the parameters of the real kinds the loader treats
// specially, so their checks are reached.
namespace {

using relman::ParamSpec;
using relman::ParamType;

class StandIn : public relman::StepKind {
 public:
  StandIn(relman::Effect effect, bool gate, std::vector<ParamSpec> params, std::vector<std::string> outputs)
      : effect_(effect), gate_(gate), params_(std::move(params)), outputs_(std::move(outputs)) {}
  relman::Effect effect() const override { return effect_; }
  bool is_gate() const override { return gate_; }
  std::vector<ParamSpec> params() const override { return params_; }
  std::vector<std::string> outputs() const override { return outputs_; }
  relman::json run(relman::StepContext&) const override { return relman::json::object(); }
  relman::ProbeOutcome probe(relman::StepContext&) const override { return {}; }

 private:
  relman::Effect effect_;
  bool gate_;
  std::vector<ParamSpec> params_;
  std::vector<std::string> outputs_;
};

const bool registered = [] {
  auto add = [](const char* name, relman::Effect e, std::vector<ParamSpec> p, std::vector<std::string> o) {
    relman::StepRegistry::instance().add(
        name, [=] { return std::make_unique<StandIn>(e, std::string(name) == "gate", p, o); });
  };
  using relman::Effect;
  add("exec", Effect::local,
      {{"argv", ParamType::string_list, true, ""},
       {"env", ParamType::map, false, ""},
       {"cwd", ParamType::string, false, ""},
       {"timeout", ParamType::integer, false, ""},
       {"creates", ParamType::string, false, ""}},
      {"exit_code", "output"});
  add("archive.export", Effect::local,
      {{"ref", ParamType::string, true, ""},
       {"prefix", ParamType::string, true, ""},
       {"formats", ParamType::string_or_list, false, ""}},
      {"files", "commit"});
  add("checksum.sha256", Effect::local,
      {{"files", ParamType::string_or_list, true, ""}, {"output", ParamType::string, false, ""}}, {"file"});
  add("gate", Effect::none, {{"message", ParamType::string, false, ""}}, {"approved_by"});
  add("smoke.run", Effect::local, {{"commands", ParamType::any, true, ""}, {"cwd", ParamType::string, false, ""}}, {});
  add("announce", Effect::remote, {{"links", ParamType::map, false, ""}, {"project", ParamType::string, false, ""}},
      {});
  add("ci.dispatch", Effect::remote,
      {{"repo", ParamType::string, true, ""},
       {"workflow", ParamType::string, true, ""},
       {"inputs", ParamType::map, false, ""}},
      {"run_id"});
  add("git.push", Effect::remote,
      {{"refs", ParamType::string_or_list, false, ""}, {"tags", ParamType::string_or_list, false, ""}}, {});
  return true;
}();

}  // namespace
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relman;
  const auto& path = fuzz::write_scratch("wf.yaml", data, size);
  Workflow wf;
  try {
    wf = load_workflow(path);
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems())
      if (p.message.empty()) fuzz::broken("a problem without a message");
    return 0;
  } catch (const std::exception& e) {
    fuzz::unexpected("load_workflow", e);
  }
  if (wf.steps.empty()) fuzz::broken("a workflow without steps loaded");
  for (const auto& s : wf.steps)
    if (s.id.empty() || s.id.size() > 64 || !s.kind) fuzz::broken("a step without a valid id or kind loaded");
  RunPaths paths{"/repo", "/state", "/state/artifacts", "/state/logs", RunMode::rehearse};
  Version v = Version::parse("3.12.0");
  try {
    auto vars = resolve_vars(wf, v, paths);
    auto resolve = make_resolver(v, vars, paths, nullptr);
    for (const auto& s : wf.steps) {
      try {
        expand_templates(s.with, resolve);
      } catch (const std::out_of_range&) {
      } catch (const TemplateTooLarge&) {
      }
      if (s.when) s.when->eval(v, vars);
    }
  } catch (const ConfigError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected("plan", e);
  }
  return 0;
}
