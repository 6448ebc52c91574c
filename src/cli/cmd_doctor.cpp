// relman doctor VERSION [--repo DIR] [--workflow F]: the pre-flight checks
// (cli/doctor.h) on their own; changes nothing.
#include <fmt/format.h>

#include <cstdio>

#include "cli/command.h"
#include "cli/doctor.h"
#include "cli/options.h"
#include "cli/say.h"
#include "cli/shared_options.h"
#include "cli/vars.h"
#include "cli/width.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

int doctor(const Options& o) {
  Version version = Version::parse(o.version);
  Workflow wf = load_workflow(find_workflow(o.workflow), parse_vars(o.vars));
  PreflightInput in;
  in.repo = std::filesystem::absolute(o.repo).lexically_normal();
  in.workflow = &wf;
  in.version = version;
  in.sign_with = o.sign_with;
  in.skip = split_ids(o.skip);
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

}  // namespace

Command register_doctor(CLI::App& app, Options& o) {
  CLI::App* c = add_command(app, "doctor", "Check everything a real run will need before it starts; changes nothing",
                            "relman doctor 3.12.0 --repo ~/cpython");
  add_version(*c, o);
  add_repo(*c, o);
  add_workflow(*c, o);
  add_vars(*c, o);
  add_skip(*c, o, "steps the run will skip: ID[,ID]");
  add_sign_with(*c, o, "the key the run will sign with");
  return {c, doctor};
}

}  // namespace relman::cli
