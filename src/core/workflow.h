// A workflow file: loaded with yaml-cpp and validated whole at load time.
// Every problem is reported at once, each with file:line:column.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/condition.h"
#include "core/errors.h"
#include "core/step_kind.h"

namespace relman {

struct StepDef {
  std::string id;
  std::string uses;
  std::string title;  // `name:`, for people
  const StepKind* kind = nullptr;
  nlohmann::json with = nlohmann::json::object();  // raw, templates unexpanded
  std::vector<std::string> needs;
  std::optional<Condition> when;
  std::string approve = "manual";  // gates: manual | auto-in-ci
  SourceLocation where;
  bool is_gate() const;  // its kind waits for an approval (StepKind::is_gate)
};

struct Workflow {
  std::string name;
  std::string description;
  std::filesystem::path file;  // absolute
  std::string hash;            // sha256 of the file's bytes
  // Declaration order, raw: a string or a list of strings each.
  std::vector<std::pair<std::string, nlohmann::json>> vars;
  std::vector<StepDef> steps;           // file order
  std::map<std::string, size_t> index;  // id -> position in steps

  const StepDef* find(const std::string& id) const;
  // [{id, uses, effect}] in file order, as the journal records it.
  nlohmann::json plan() const;
  // Steps that (transitively) need `id`, in file order.
  std::vector<std::string> dependants(const std::string& id) const;
};

// Loads and validates. `overrides` are --var KEY=VALUE (unknown keys are an
// error). Throws ConfigError listing every problem.
Workflow load_workflow(const std::filesystem::path& file, const std::map<std::string, std::string>& overrides = {});

// Finds a workflow by path or name: an existing path as given; otherwise
// NAME or NAME.yaml in $RELMAN_WORKFLOWS, ./workflows, the installed share
// directory, then beside the executable (docs/install.md gives the order).
std::filesystem::path find_workflow(const std::string& name_or_path);

// The names a template may use under release.*.
const std::vector<std::string>& release_template_names();
// The value of release.NAME for `v`; throws std::out_of_range if unknown.
std::string release_value(const Version& v, const std::string& name);
// The names a template may use under run.*.
const std::vector<std::string>& run_template_names();

}  // namespace relman
