// `relman resume --var K=V --sign-with KEY [--redo ID,...]`: correcting a
// setting recorded at the start. The change is journaled as an audited
// settings_changed event (old -> new, who, when); a change that would alter
// the inputs of a step that already finished is refused unless the user
// names the steps to redo, which start over with everything after them.
#pragma once

#include <string>
#include <vector>

#include "cli/open_run.h"
#include "cli/options.h"

namespace relman::cli {

// Finished steps whose inputs the change touches. Exposed for tests.
std::vector<std::string> steps_touched(const Workflow& before, const Workflow& after, bool signing_key_changed,
                                       const RunState& state);

// Applies o.vars / o.sign_with / o.redo to an open run (nothing when none is
// given); throws UsageError when refused. Reloads run.workflow with the new
// vars.
void change_settings(OpenRun& run, const Options& o);

}  // namespace relman::cli
