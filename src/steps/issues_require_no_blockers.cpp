// issues.require_no_blockers: no release while an open issue carries a
// blocker label (PEP 101: release blockers; for rc and final, deferred ones too).
#include <fmt/format.h>

#include <map>

#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

class IssuesRequireNoBlockers : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    auto p = github::common_params();
    p.push_back({"labels", ParamType::string_or_list, false,
                 "blocker labels; default release-blocker, plus deferred-blocker for rc and final"});
    return p;
  }
  std::vector<std::string> outputs() const override { return {"labels"}; }

  json run(StepContext& ctx) const override {
    github::Api api(ctx, false);
    std::vector<std::string> labels = ctx.list("labels");
    if (!ctx.has("labels")) {
      labels = {"release-blocker"};
      auto kind = ctx.release.kind();
      if (kind == ReleaseKind::rc || kind == ReleaseKind::final) labels.push_back("deferred-blocker");
    }
    // GitHub ANDs comma-separated labels, so each label is its own query.
    std::map<long long, std::string> open;
    for (const auto& label : labels) {
      auto issues = api.get_all("/issues?state=open&per_page=100&labels=" + github::encode(label), "");
      for (const auto& i : issues) {
        if (i.value("state", "open") != "open") continue;
        long long number = i.value("number", 0LL);
        std::string what = i.contains("pull_request") ? "PR" : "issue";
        open.emplace(number, fmt::format("#{} {} ({}, {})", number, i.value("title", ""), label, what));
      }
    }
    ctx.log->line(
        fmt::format("{}: {} open blocker(s) labelled {}", api.repo(), open.size(), fmt::join(labels, " or ")));
    if (!open.empty()) {
      std::vector<std::string> lines;
      for (const auto& [n, text] : open) lines.push_back(text);
      throw StepError(
          fmt::format("{} open release blocker(s) on {}: {}; fix them, or lower their priority with the release "
                      "manager's agreement, then `relman resume`",
                      open.size(), api.repo(), fmt::join(lines, "; ")));
    }
    return {{"labels", labels}};
  }

  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "a check; it runs again"};
  }
};

RELMAN_REGISTER_STEP(IssuesRequireNoBlockers, "issues.require_no_blockers");

}  // namespace
}  // namespace relman::steps
