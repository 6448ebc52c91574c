// What `relman retry ID` starts over: the step, and every step after it that
// already ran on its results (docs/workflow-format.md, "Retry").
#pragma once

#include <string>
#include <vector>

#include "core/state.h"
#include "core/workflow.h"

namespace relman {

// `id` first, then its dependants that succeeded, failed, wait at a gate or
// were skipped by their `when` (which may read differently now). Steps the
// release manager skipped stay skipped.
std::vector<std::string> steps_to_reset(const Workflow& wf, const RunState& state, const std::string& id);

}  // namespace relman
