// relman plan VERSION: the steps this release would run, running nothing.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/shared_options.h"
#include "cli/vars.h"
#include "core/errors.h"
#include "core/scope.h"

namespace relman::cli {

namespace {

int plan(const Options& o, bool json) {
  Version version = Version::parse(o.version);
  Workflow wf = load_workflow(find_workflow(o.workflow), parse_vars(o.vars));
  RunPaths paths;
  paths.repo = std::filesystem::absolute(o.repo);
  try {
    paths.state = new_run_dir(o, paths.repo, version, RunMode::execute);
  } catch (const UsageError&) {
    // Planning needs no repository; show where a clone's run would go.
    paths.state = paths.repo / ".git" / "relman" / version.str();
  }
  paths.artifacts = paths.state / "artifacts";
  paths.logs = paths.state / "logs";
  auto vars = resolve_vars(wf, version, paths);
  auto resolve = make_resolver(version, vars, paths, nullptr);
  nlohmann::json steps = nlohmann::json::array();
  int runs = 0;
  for (const auto& s : wf.steps) {
    bool on = !s.when || s.when->eval(version, vars);
    runs += on;
    nlohmann::json with;
    try {
      with = expand_templates(s.with, resolve);
    } catch (const std::exception& e) {
      with = s.with;
    }
    steps.push_back({{"id", s.id},
                     {"uses", s.uses},
                     {"needs", s.needs},
                     {"effect", s.kind ? to_string(s.kind->effect()) : ""},
                     {"when", s.when ? s.when->text() : ""},
                     {"runs", on},
                     {"with", with}});
  }
  if (json) {
    nlohmann::json out = {{"version", version.str()},
                          {"kind", version.kind_name()},
                          {"branch", version.branch()},
                          {"workflow", wf.file.string()},
                          {"vars", vars},
                          {"steps", steps}};
    std::puts(out.dump(2).c_str());
    return exit_code::finished;
  }
  std::printf("%s\n", fmt::format("plan for {} ({}, {}), branch {}, workflow {}: {} of {} steps run", version.str(),
                                  version.long_name(), version.kind_name(), version.branch(), wf.file.string(), runs,
                                  wf.steps.size())
                          .c_str());
  int n = 0;
  for (const auto& s : steps) {
    bool on = s["runs"].get<bool>();
    std::string needs;
    for (const auto& x : s["needs"]) needs += (needs.empty() ? "" : ",") + x.get<std::string>();
    std::string line =
        fmt::format("{:>3}. {:<24} {:<28} {:<6} {}{}", on ? std::to_string(++n) : "-", s["id"].get<std::string>(),
                    s["uses"].get<std::string>(), s["effect"].get<std::string>(), needs.empty() ? "" : "needs " + needs,
                    on ? "" : "  (skipped: when " + s["when"].get<std::string>() + ")");
    std::puts(line.c_str());
  }
  return exit_code::finished;
}

}  // namespace

Command register_plan(CLI::App& app, Options& o) {
  auto json = std::make_shared<bool>(false);
  CLI::App* c = add_command(app, "plan", "Resolve the workflow for VERSION and print its steps; runs nothing",
                            "relman plan 3.12.0b1 --json");
  add_version(*c, o, "release version: X.Y.Z, X.Y.ZaN, X.Y.ZbN, X.Y.ZrcN");
  add_repo(*c, o);
  add_workflow(*c, o);
  add_vars(*c, o);
  add_state_dir(*c, o, "state directory the run would use");
  c->add_flag("--json", *json, "machine-readable output");
  return {c, [json](const Options& o) { return plan(o, *json); }};
}

}  // namespace relman::cli
