// The workflow loader on any bytes: it loads, or refuses with ConfigError
// (every problem located), never crashes, hangs or throws anything else;
// what loads also plans (vars and every step's parameters expand, or fail
// with the loader's own errors).
#include <cstdint>

#include "core/errors.h"
#include "core/scope.h"
#include "core/workflow.h"
#include "fuzz/fuzz_support.h"

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
