// Where a step may write. Every path a step writes stays inside its
// documented place (artifacts/, its work directory, the sandbox): a workflow
// that names ../../x or /etc/x, or a symbolic link planted on the way, gets
// a clear error instead of a file elsewhere (docs/security.md).
#pragma once

#include <filesystem>
#include <string>

#include "core/step_kind.h"

namespace relman {

// Load time: why `value` cannot be a path inside its place ("is an absolute
// path", "leaves ... with '..'"), or "" when it can, or when it holds a
// template (checked at run time, once known).
std::string path_problem(const std::string& value);

// validate() helper: the problems of parameter `key` of `with` (a string or
// a list of strings), each naming the parameter and `place`.
void check_confined_param(const json& with, const std::string& key, const std::string& place,
                          std::vector<std::string>& problems);

// Run time: `p` relative to `base` (or absolute, but inside `base`) as a
// path inside `base`. Throws StepError naming the step, the path and `place`
// when it leads out: through "..", as an absolute path elsewhere, or
// through a symbolic link (the leaf included) that resolves outside.
std::filesystem::path confine_path(const StepContext& ctx, const std::filesystem::path& base, const std::string& p,
                                   const std::string& place);

}  // namespace relman
