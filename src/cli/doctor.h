// Pre-flight: everything a real run of VERSION will need, checked before its
// first change and without changing anything (no fetch into the repository,
// no signature kept): the tools the plan's steps run, the signing key
// (signs a test blob without a prompt, and is the one the tag will use),
// each remote, the credentials named by token_env, the branch (the release
// branch, clean, not behind its upstream) and Include/patchlevel.h.
// `relman doctor` prints it; a rehearsal runs it against the user's real
// repository and keyring and reports it in its summary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/version.h"
#include "core/workflow.h"

namespace relman::cli {

struct Check {
  enum class Result { ok, warn, fail };
  std::string what;  // "tool make", "signing key", "branch"
  Result result = Result::ok;
  std::string detail;  // what was found
  std::string fix;     // what to do, when not ok
};

struct PreflightInput {
  std::filesystem::path repo;
  const Workflow* workflow = nullptr;
  Version version;
  std::vector<std::string> skip;  // step ids the run will skip
  std::string sign_with;          // --sign-with
};

std::vector<Check> preflight(const PreflightInput& in);

// One line a check ("ok   tool make: /usr/bin/make"), the fix indented under
// a failure; cut to `width`, fixes wrapped.
std::vector<std::string> format_checks(const std::vector<Check>& checks, size_t width);
bool all_passed(const std::vector<Check>& checks);  // no fail (warnings pass)

// As a rehearsal records them in run_started ("preflight"), and back.
nlohmann::json to_json(const std::vector<Check>& checks);
std::vector<Check> checks_from_json(const nlohmann::json& j);

}  // namespace relman::cli
