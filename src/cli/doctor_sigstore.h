// The pre-flight's Sigstore checks (cli/doctor.h), for a run whose plan signs
// with Sigstore (3.14 and later): where the signing identity will come from
// (a token file, a variable, GitHub Actions, or the sign-in at a terminal),
// whom the workflow expects for this X.Y, and the trust root the
// verification needs in a real run, read and checked now, not on the day.
#pragma once

#include <vector>

#include "cli/doctor.h"
#include "core/workflow.h"

namespace relman::cli {

void check_sigstore(const PreflightInput& in, const std::vector<StepDef>& steps, std::vector<Check>& out);

}  // namespace relman::cli
