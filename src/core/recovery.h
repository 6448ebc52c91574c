// The one command that continues a run after a step failed (errors.h
// Recovery), as words the release manager types: "relman retry tag".
#pragma once

#include <string>

#include "core/errors.h"
#include "core/workflow.h"

namespace relman {

// "relman retry ID" for the step that must start over, or "" when a plain
// `relman resume` is right. retry_kind falls back to the failed step itself
// when no step it needs (transitively) uses that kind.
std::string next_command(const Workflow& wf, const std::string& failed_step, const Recovery& recovery);

}  // namespace relman
