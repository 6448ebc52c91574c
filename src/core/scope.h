// What templates resolve against at run time: the release, the vars, the
// environment, the run's paths and the outputs of steps that have run.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/state.h"
#include "core/step_kind.h"
#include "core/template.h"
#include "core/version.h"
#include "core/workflow.h"

namespace relman {

struct RunPaths {
  std::filesystem::path repo;
  std::filesystem::path state;
  std::filesystem::path artifacts;
  std::filesystem::path logs;
  RunMode mode = RunMode::rehearse;
};

// The workflow's vars (with --var overrides applied at load) expanded in
// declaration order. Throws ConfigError.
using VarMap = std::map<std::string, nlohmann::json>;

VarMap resolve_vars(const Workflow& wf, const Version& v, const RunPaths& paths);

// `state` may be null (plan): then steps.* resolve to a placeholder.
TemplateResolver make_resolver(const Version& v, const VarMap& vars, const RunPaths& paths, const RunState* state);

}  // namespace relman
