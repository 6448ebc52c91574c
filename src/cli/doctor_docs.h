// The pre-flight's docs check (cli/doctor.h), for a run whose plan builds
// the docs (cpython.docs: finals and release candidates): the sphinx-build
// the step will run, or the build-release workflow's docs folder it will
// take, found now rather than after the tag is made.
#pragma once

#include <vector>

#include "cli/doctor.h"
#include "core/workflow.h"

namespace relman::cli {

void check_docs(const PreflightInput& in, const std::vector<StepDef>& steps, std::vector<Check>& out);

}  // namespace relman::cli
