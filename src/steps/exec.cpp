// exec: run a program from an argv (never a shell), its output into the
// step's log. `creates` names the file the command makes, so that a crash
// mid-step can be reconciled: it exists -> done. `idempotent` says that a
// second run does no harm (a regeneration), so a crash mid-step is
// reconciled by running it again instead of asking the release manager.
#include <fmt/format.h>

#include <chrono>

#include "adapters/process.h"
#include "core/errors.h"
#include "core/step_kind.h"

namespace relman::steps {
namespace {

class Exec : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"argv", ParamType::string_list, true, "the program and its arguments, as a list"},
            {"env", ParamType::map, false, "extra environment variables"},
            {"cwd", ParamType::string, false, "working directory (default: the repository)"},
            {"timeout", ParamType::integer, false, "seconds before the command is killed"},
            {"creates", ParamType::string, false, "a path the command creates; its existence means done"},
            {"idempotent", ParamType::boolean, false,
             "running it twice does no harm: after a crash it runs again (default false)"}};
  }
  std::vector<std::string> outputs() const override { return {"exit_code", "output"}; }

  std::vector<std::string> validate(const json& with) const override {
    if (with.contains("argv") && with["argv"].is_array() && with["argv"].empty()) return {"'argv' must name a program"};
    return {};
  }

  std::filesystem::path cwd(const StepContext& ctx) const {
    return ctx.has("cwd") ? ctx.repo_path(ctx.str("cwd")) : ctx.repo;
  }

  json run(StepContext& ctx) const override {
    process::Spec spec;
    spec.argv = ctx.list("argv");
    if (spec.argv.empty()) throw StepError("'argv' is empty");
    if (ctx.has("env"))
      for (auto it = ctx.with["env"].begin(); it != ctx.with["env"].end(); ++it)
        spec.env[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    spec.cwd = cwd(ctx);
    spec.timeout = std::chrono::seconds(ctx.integer("timeout", 0));
    spec.capture = true;
    ctx.log->line("$ " + process::show_argv(spec.argv));
    process::Result r;
    try {
      r = process::run(spec, [&](std::string_view line) { ctx.log->line(line); });
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}", e.what()));
    }
    if (!r.ok()) {
      throw StepError(fmt::format("`{}` failed ({}). Last lines of {}:\n{}", process::show_argv(spec.argv),
                                  r.describe(), ctx.log->path().string(), ctx.log->tail(15)));
    }
    std::string out = r.output;
    if (out.size() > 65536) out = out.substr(out.size() - 65536);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return {{"exit_code", r.exit_code}, {"output", out}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    if (!ctx.has("creates")) {
      if (ctx.flag("idempotent", false)) return {ProbeResult::not_done, {}, "an idempotent command: it runs again"};
      return {ProbeResult::unknown, {}, "an exec step without 'creates' or 'idempotent: true' cannot be checked"};
    }
    auto path = cwd(ctx) / ctx.str("creates");
    if (std::filesystem::exists(path))
      return {ProbeResult::done, {{"exit_code", 0}, {"output", ""}}, path.string() + " exists"};
    return {ProbeResult::not_done, {}, path.string() + " does not exist"};
  }
};

RELMAN_REGISTER_STEP(Exec, "exec");

}  // namespace
}  // namespace relman::steps
