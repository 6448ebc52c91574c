// ci.require_green: refuses to release a commit whose CI is failing or still
// running; every check is looked at (legacy statuses and check runs).
#include <fmt/format.h>

#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

class CiRequireGreen : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    auto p = github::common_params();
    p.push_back({"ref", ParamType::string, false, "commit, branch or tag to check; default the release branch"});
    return p;
  }
  std::vector<std::string> outputs() const override { return {"ref", "passed"}; }

  json run(StepContext& ctx) const override {
    github::Api api(ctx, false);
    std::string ref = ctx.str("ref", ctx.release.branch());
    std::string enc = github::encode(ref);
    json combined = api.get("/commits/" + enc + "/status");
    auto runs = api.get_all("/commits/" + enc + "/check-runs?per_page=100", "check_runs");

    std::vector<std::string> failing, pending, passed;
    for (const auto& s : combined.value("statuses", json::array())) {
      std::string name = s.value("context", "?");
      std::string state = s.value("state", "");
      if (state == "success") passed.push_back(name);
      else if (state == "pending") pending.push_back(name);
      else failing.push_back(fmt::format("{} ({})", name, state));
    }
    for (const auto& r : runs) {
      std::string name = r.value("name", "?");
      if (r.value("status", "") != "completed") {
        pending.push_back(fmt::format("{} ({})", name, r.value("status", "queued")));
        continue;
      }
      std::string c = r["conclusion"].is_string() ? r["conclusion"].get<std::string>() : "";
      if (c == "success" || c == "neutral" || c == "skipped") passed.push_back(name);
      else failing.push_back(fmt::format("{} ({})", name, c.empty() ? "no conclusion" : c));
    }
    ctx.log->line(fmt::format("{} {}: {} passed, {} failing, {} pending", api.repo(), ref, passed.size(),
                              failing.size(), pending.size()));
    if (failing.empty() && pending.empty() && passed.empty())
      throw StepError(
          fmt::format("no CI results at all for {} on {}: nothing has tested this commit; push it and let CI run (or "
                      "check `ref` and `repo`), then `relman resume`",
                      ref, api.repo()));
    if (!failing.empty() || !pending.empty()) {
      std::string msg = fmt::format("CI is not green for {} on {}:", ref, api.repo());
      if (!failing.empty()) msg += fmt::format(" failing: {};", fmt::join(failing, ", "));
      if (!pending.empty()) msg += fmt::format(" still running: {};", fmt::join(pending, ", "));
      msg += failing.empty() ? " wait for the checks to finish, then `relman resume`"
                             : " fix or re-run the failing checks, then `relman resume`";
      throw StepError(msg);
    }
    return {{"ref", ref}, {"passed", passed}};
  }

  ProbeOutcome probe(StepContext&) const override {
    // A check changes nothing: running it again is the only honest answer.
    return {ProbeResult::not_done, json::object(), "a check; it runs again"};
  }
};

RELMAN_REGISTER_STEP(CiRequireGreen, "ci.require_green");

}  // namespace
}  // namespace relman::steps
