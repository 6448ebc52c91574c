// ci.dispatch: starts a GitHub Actions workflow (workflow_dispatch) and finds
// the run it started. GitHub's dispatch answer carries no run id, so the run
// is recognised afterwards: a workflow_dispatch run of that workflow and ref
// that did not exist before the POST. The runs seen before, and the time, are
// checkpointed BEFORE the POST so that after a crash the run already started
// is found instead of a second one being started.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

std::time_t parse_utc(const std::string& s) {
  std::tm tm{};
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return timegm(&tm);
}

class CiDispatch : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    auto p = github::common_params();
    p.push_back({"workflow", ParamType::string, true, "workflow file name (build.yml) or id"});
    p.push_back({"ref", ParamType::string, false, "branch or tag to run on; default the release branch"});
    p.push_back({"inputs", ParamType::map, false, "workflow_dispatch inputs"});
    p.push_back(
        {"find_timeout", ParamType::integer, false, "seconds to wait for the started run to appear (default 120)"});
    return p;
  }
  std::vector<std::string> outputs() const override { return {"run_id", "run_url"}; }

  json run(StepContext& ctx) const override {
    const std::string workflow = ctx.str("workflow");
    const std::string ref = ctx.str("ref", ctx.release.branch());
    json inputs = json::object();
    if (ctx.has("inputs")) {
      if (!ctx.with["inputs"].is_object()) throw StepError("parameter 'inputs' must be a mapping");
      // workflow_dispatch inputs are strings on GitHub's side.
      for (const auto& [k, v] : ctx.with["inputs"].items()) inputs[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    const bool redirect = rehearsal::redirect(ctx, ctx.str("api", "https://api.github.com"));
    github::Api api(ctx, !redirect);
    const std::string dispatch_url = api.repo_url("/actions/workflows/" + github::encode(workflow) + "/dispatches");
    const json body = {{"ref", ref}, {"inputs", inputs}};

    if (redirect) {
      auto file = rehearsal::write_outbox(
          ctx, "POST " + http::redact_url(dispatch_url),
          {{"kind", "ci.dispatch"}, {"method", "POST"}, {"url", http::redact_url(dispatch_url)}, {"body", body}});
      return {{"run_id", "rehearsal:" + file.filename().string()}, {"run_url", "file://" + file.string()}};
    }

    if (ctx.checkpoint.contains("run_id")) return outputs_of(ctx.checkpoint);
    if (ctx.checkpoint.contains("dispatched_at")) {
      // An earlier attempt sent (or was about to send) the dispatch.
      if (auto found = find_run(ctx, api, workflow, ref)) {
        ctx.log->line(
            fmt::format("found run {} started by an earlier attempt; not dispatching again", (*found)["id"].dump()));
        return remember(ctx, *found);
      }
    }

    json known = json::array();
    for (const auto& r : list_runs(api, workflow, ref)) known.push_back(r.value("id", 0LL));
    ctx.save_checkpoint({{"dispatched_at", github::utc_now()}, {"known_runs", known}});
    ctx.log->line(fmt::format("POST {} (ref {})", http::redact_url(dispatch_url), ref));
    api.post("/actions/workflows/" + github::encode(workflow) + "/dispatches", body);

    auto limit = std::chrono::seconds(ctx.integer("find_timeout", 120));
    auto deadline = std::chrono::steady_clock::now() + limit;
    auto pause = std::chrono::milliseconds(200);
    while (true) {
      if (auto found = find_run(ctx, api, workflow, ref)) return remember(ctx, *found);
      if (std::chrono::steady_clock::now() > deadline)
        throw StepError(fmt::format(
            "dispatched {} on {} but no new run appeared within {} s; look at the Actions tab of {} — if a "
            "run is there, `relman resume` will find it; if not, check the workflow has a workflow_dispatch trigger",
            workflow, ref, limit.count(), api.repo()));
      ctx.progress(fmt::format("waiting for the run of {} to appear", workflow));
      std::this_thread::sleep_for(pause);
      pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::milliseconds(5000));
    }
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    if (ctx.checkpoint.contains("run_id"))
      return {ProbeResult::done, outputs_of(ctx.checkpoint), "the run was found before the crash"};
    if (!ctx.checkpoint.contains("dispatched_at"))
      return {ProbeResult::not_done, json::object(), "nothing was dispatched"};
    try {
      github::Api api(ctx, false);
      if (auto found = find_run(ctx, api, ctx.str("workflow"), ctx.str("ref", ctx.release.branch()))) {
        json out = {{"run_id", std::to_string((*found)["id"].get<long long>())},
                    {"run_url", (*found).value("html_url", "")}};
        return {ProbeResult::done, out, "the dispatched run exists"};
      }
      return {ProbeResult::not_done, json::object(), "no run appeared since the dispatch: it was not sent"};
    } catch (const std::exception& e) {
      return {ProbeResult::unknown, json::object(), std::string("cannot ask GitHub: ") + e.what()};
    }
  }

 private:
  static json outputs_of(const json& cp) { return {{"run_id", cp.at("run_id")}, {"run_url", cp.value("run_url", "")}}; }

  static json remember(StepContext& ctx, const json& run) {
    json out = {{"run_id", std::to_string(run["id"].get<long long>())}, {"run_url", run.value("html_url", "")}};
    ctx.save_checkpoint(out);
    ctx.log->line(fmt::format("run {}: {}", out["run_id"].get<std::string>(), out["run_url"].get<std::string>()));
    return out;
  }

  static std::vector<json> list_runs(const github::Api& api, const std::string& workflow, const std::string& ref) {
    return api.get_all("/actions/workflows/" + github::encode(workflow) +
                           "/runs?event=workflow_dispatch&per_page=50&branch=" + github::encode(ref),
                       "workflow_runs", 1);
  }

  // The oldest run not seen before the dispatch and not older than it (give
  // or take five minutes of clock skew between this machine and GitHub).
  static std::optional<json> find_run(const StepContext& ctx, const github::Api& api, const std::string& workflow,
                                      const std::string& ref) {
    const json& cp = ctx.checkpoint;
    std::time_t since = parse_utc(cp.value("dispatched_at", "")) - 300;
    std::vector<long long> known;
    for (const auto& k : cp.value("known_runs", json::array())) known.push_back(k.get<long long>());
    std::optional<json> best;
    for (const auto& r : list_runs(api, workflow, ref)) {
      long long id = r.value("id", 0LL);
      if (std::find(known.begin(), known.end(), id) != known.end()) continue;
      if (r.value("event", "workflow_dispatch") != "workflow_dispatch") continue;
      if (parse_utc(r.value("created_at", "")) < since) continue;
      if (!best || id < (*best)["id"].get<long long>()) best = r;
    }
    return best;
  }
};

RELMAN_REGISTER_STEP(CiDispatch, "ci.dispatch");

}  // namespace
}  // namespace relman::steps
