// The one command that continues a run after a step failed (errors.h
// Recovery), as words the release manager types: "relman retry tag".
#pragma once

#include <functional>
#include <string>

#include "core/errors.h"
#include "core/workflow.h"

namespace relman {

// "relman retry ID" for the step that must start over, or "" when a plain
// `relman resume` is right. retry_kind falls back to the failed step itself
// when no step it needs (transitively) uses that kind.
std::string next_command(const Workflow& wf, const std::string& failed_step, const Recovery& recovery);

// The two ways on after a step whose effect is uncertain (UncertainError, or
// a probe that cannot tell): "relman retry ID (it did not happen) or relman
// skip ID --reason ...". `shown` dresses each command (e.g. adds --state-dir).
std::string decide_commands(const std::string& step,
                            const std::function<std::string(const std::string&)>& shown = nullptr);

}  // namespace relman
