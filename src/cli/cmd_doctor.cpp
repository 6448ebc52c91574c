// relman doctor VERSION [--repo DIR] [--workflow F]: the pre-flight checks
// (cli/doctor.h) on their own; changes nothing.
#include <fmt/format.h>

#include <cstdio>

#include "cli/doctor.h"
#include "cli/options.h"
#include "cli/run_support.h"
#include "cli/width.h"
#include "core/errors.h"

namespace relman::cli {

int cmd_doctor(const Options& o) {
  Version version = Version::parse(o.version);
  Workflow wf = load_workflow(find_workflow(o.workflow), parse_vars(o.vars));
  PreflightInput in;
  in.repo = std::filesystem::absolute(o.repo).lexically_normal();
  in.workflow = &wf;
  in.version = version;
  in.sign_with = o.sign_with;
  for (const auto& s : o.skip) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      std::string id = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!id.empty()) in.skip.push_back(id);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  auto checks = preflight(in);
  say(o, fmt::format("relman doctor: can a real run of {} start from {}?", version.str(), in.repo.string()));
  for (const auto& line : format_checks(checks, columns(stdout)))
    if (!o.quiet || line.rfind("ok ", 0) != 0) say_result(o, line);
  if (all_passed(checks)) {
    say_result(o, fmt::format("all checks passed: relman start {} --execute can begin", version.str()));
    return exit_code::finished;
  }
  say_result(o, "fix what failed, then run relman doctor again");
  return exit_code::step_failed;
}

}  // namespace relman::cli
