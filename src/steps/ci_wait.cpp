// ci.wait: waits for a GitHub Actions run, then brings its artifacts home and
// checks them against the checksums the run published (an artifact named
// SHA256SUMS, or a SHA256SUMS file inside an artifact): work done on CI
// runners is trusted only as far as its checksums.
#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/durable.h"
#include "adapters/sha256.h"
#include "adapters/unpack.h"
#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

// Every downloaded file, checked against the published checksums. Returns the
// files (SHA256SUMS included); throws StepError on any mismatch, a listed file
// missing, a file not listed, or no checksums at all.
std::vector<std::string> verify(const fs::path& root) {
  std::map<fs::path, std::string> expected;  // absolute path -> hex
  bool any = false;
  for (const auto& art : fs::directory_iterator(root)) {
    if (!art.is_directory()) continue;
    auto sums = art.path() / "SHA256SUMS";
    if (!fs::is_regular_file(sums)) continue;
    any = true;
    // The SHA256SUMS artifact names files as <artifact>/<file>; a SHA256SUMS
    // inside another artifact names that artifact's own files.
    auto base = art.path().filename() == "SHA256SUMS" ? root : art.path();
    const auto parsed = parse_sha256sums(durable::read_file(sums));
    if (!parsed.problems.empty())
      throw StepError(
          fmt::format("{} is not a checksum list relman can trust: {}; make the workflow write "
                      "it with sha256sum, naming files below its folder, each once",
                      sums.string(), fmt::join(parsed.problems, "; ")));
    for (const auto& entry : parsed.entries) expected[base / entry.name] = entry.sha256;
  }
  if (!any)
    throw StepError(
        fmt::format("the run published no checksums; make the workflow upload an artifact named SHA256SUMS (sha256sum "
                    "output naming <artifact>/<file>) or put a SHA256SUMS file in each artifact, then re-run it"));
  std::vector<std::string> problems, files;
  for (const auto& [path, hex] : expected) {
    if (!fs::is_regular_file(path)) {
      problems.push_back(fmt::format("{} is listed but was not downloaded", fs::relative(path, root).string()));
      continue;
    }
    auto got = sha256_file(path);
    if (got != hex)
      problems.push_back(
          fmt::format("{} has sha256 {} but the run published {}", fs::relative(path, root).string(), got, hex));
  }
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    files.push_back(e.path().string());
    if (e.path().filename() == "SHA256SUMS") continue;
    if (!expected.count(e.path()))
      problems.push_back(fmt::format("{} is not listed in any SHA256SUMS", fs::relative(e.path(), root).string()));
  }
  if (!problems.empty())
    throw StepError(
        fmt::format("the run's artifacts do not match its checksums: {}; the download or the CI "
                    "run is damaged: re-run the workflow, then `relman resume`",
                    fmt::join(problems, "; ")));
  std::sort(files.begin(), files.end());
  return files;
}

class CiWait : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    auto p = github::common_params();
    p.push_back({"run", ParamType::string, true, "run id, usually ${steps.<dispatch>.outputs.run_id}"});
    p.push_back({"timeout", ParamType::integer, false, "seconds to wait for the run (default 10800)"});
    p.push_back({"poll", ParamType::integer, false, "seconds between polls (default 30)"});
    p.push_back({"download", ParamType::boolean, false, "download and check the run's artifacts (default true)"});
    return p;
  }
  std::vector<std::string> outputs() const override { return {"conclusion", "run_url", "dir", "files"}; }

  json run(StepContext& ctx) const override {
    const std::string run_id = ctx.str("run");
    if (run_id.starts_with("rehearsal:")) {
      if (ctx.mode != RunMode::rehearse)
        throw StepError(
            fmt::format("run '{}' was only written to a rehearsal outbox; dispatch it for real "
                        "(`relman retry <dispatch step>`)",
                        run_id));
      ctx.log->line(
          fmt::format("rehearsal: the dispatch went to the outbox ({}); nothing to wait for", run_id.substr(10)));
      return {{"conclusion", "not-waited-in-rehearsal"}, {"run_url", ""}, {"dir", ""}, {"files", json::array()}};
    }
    if (run_id.empty() || run_id.find_first_not_of("0123456789") != std::string::npos)
      throw StepError(fmt::format("parameter 'run' must be a run id (digits), got '{}'", run_id));
    github::Api api(ctx, false);
    const auto timeout = std::chrono::seconds(ctx.integer("timeout", 10800));
    const auto poll = std::chrono::seconds(ctx.integer("poll", 30));
    const auto start = std::chrono::steady_clock::now();

    json run;
    while (true) {
      run = api.get("/actions/runs/" + run_id);
      std::string status = run.value("status", "?");
      if (status == "completed") break;
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
      if (waited >= timeout)
        throw StepError(
            fmt::format("run {} is still {} after {} s ({}); it keeps going on GitHub: `relman "
                        "resume` waits for it again (raise `timeout` if it is just slow)",
                        run_id, status, waited.count(), run.value("html_url", "")));
      ctx.progress(fmt::format("run {} {} {}m{:02}s", run_id, status, waited.count() / 60, waited.count() % 60));
      std::this_thread::sleep_for(std::min<std::chrono::seconds>(poll, timeout - waited));
    }
    std::string url = run.value("html_url", "");
    std::string conclusion = run["conclusion"].is_string() ? run["conclusion"].get<std::string>() : "none";
    ctx.save_checkpoint({{"run_url", url}});
    ctx.log->line(fmt::format("run {} completed: {} ({})", run_id, conclusion, url));
    if (conclusion != "success") {
      std::vector<std::string> failed;
      for (const auto& j : api.get_all("/actions/runs/" + run_id + "/jobs?per_page=100", "jobs")) {
        std::string c = j["conclusion"].is_string() ? j["conclusion"].get<std::string>() : "";
        if (c == "success" || c == "skipped" || c == "neutral") continue;
        failed.push_back(
            fmt::format("{} ({}) {}", j.value("name", "?"), c.empty() ? "unfinished" : c, j.value("html_url", "")));
      }
      throw StepError(fmt::format(
          "CI run {} finished with '{}'; failed jobs: {}; fix the cause, re-run the "
          "failed jobs on GitHub ({}), then `relman resume` (or `relman retry` the dispatch "
          "step for a fresh run)",
          run_id, conclusion, failed.empty() ? "none reported" : fmt::format("{}", fmt::join(failed, "; ")), url));
    }
    json out = {{"conclusion", conclusion}, {"run_url", url}, {"dir", ""}, {"files", json::array()}};
    if (!ctx.flag("download", true)) return out;

    auto root = ctx.artifacts_dir / ctx.step_id;
    auto staging = ctx.work_dir / "download";
    fs::remove_all(staging);
    fs::create_directories(staging);
    auto artifacts = api.get_all("/actions/runs/" + run_id + "/artifacts?per_page=100", "artifacts");
    // Flushed before the rename below makes them the step's result.
    unpack::Options unpacking;
    unpacking.durable = true;
    size_t n = 0;
    for (const auto& art : artifacts) {
      ++n;
      std::string name = art.value("name", "");
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw StepError(fmt::format("artifact with unusable name '{}'", name));
      if (art.value("expired", false))
        throw StepError(fmt::format("artifact {} of run {} has expired; re-run the workflow", name, run_id));
      ctx.progress(fmt::format("downloading {} ({}/{})", name, n, artifacts.size()));
      auto zip = ctx.work_dir / (name + ".zip");
      api.download(art.value("archive_download_url", ""), zip);
      try {
        unpack::zip(zip, staging / name, unpacking);
      } catch (const std::runtime_error& e) {
        throw StepError(fmt::format("{}; re-run the step to download it again", e.what()));
      }
      fs::remove(zip);
    }
    auto files = verify(staging);
    // Only checked files reach artifacts/: the swap is one rename.
    fs::remove_all(root);
    fs::rename(staging, root);
    durable::fsync_path(ctx.artifacts_dir);
    for (auto& f : files) f = (root / fs::relative(f, staging)).string();
    ctx.log->line(fmt::format("downloaded {} artifact(s), {} file(s), checksums match: {}", artifacts.size(),
                              files.size(), root.string()));
    out["dir"] = root.string();
    out["files"] = files;
    return out;
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    // Waiting reads only: when in doubt, wait again.
    if (!ctx.flag("download", true)) return {ProbeResult::not_done, json::object(), "nothing downloaded; waits again"};
    auto root = ctx.artifacts_dir / ctx.step_id;
    if (!fs::is_directory(root)) return {ProbeResult::not_done, json::object(), "no downloads yet"};
    try {
      auto files = verify(root);
      return {ProbeResult::done,
              {{"conclusion", "success"},
               {"run_url", ctx.checkpoint.value("run_url", "")},
               {"dir", root.string()},
               {"files", files}},
              "the downloads are there and match their checksums"};
    } catch (const std::exception& e) {
      return {ProbeResult::not_done, json::object(), e.what()};
    }
  }
};

RELMAN_REGISTER_STEP(CiWait, "ci.wait");

}  // namespace
}  // namespace relman::steps
