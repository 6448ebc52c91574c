// files.wait: waits until a folder holds an expected set of files, as the
// release manager waits for the Windows, macOS and mobile experts to place
// their installers in the release folder on the downloads server. It only
// reads, so being killed and resumed costs nothing: the probe lists the
// folder now.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "steps/download_folder.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

// Where a rehearsal looks instead of a server off this machine: the folder
// http.upload's rehearsal copies into.
fs::path sandbox_folder(const StepContext& ctx, const std::string& url) {
  fs::path rel = fs::path(http::url_path(url)).relative_path();
  for (const auto& part : rel)
    if (part == "..") throw StepError(fmt::format("url '{}' contains '..'", http::redact_url(url)));
  return rehearsal::uploads_dir(ctx) / http::url_host(url) / rel;
}

// The names in the folder now (the sandbox's in a rehearsal); a folder not
// created yet holds none.
std::set<std::string> list_now(const StepContext& ctx, const std::string& url) {
  const bool redirected = !is_local_folder(url) && rehearsal::redirect(ctx, url);
  auto names = DownloadFolder(ctx, redirected ? sandbox_folder(ctx, url).string() : url).names();
  return {names.begin(), names.end()};
}

std::vector<std::string> missing_of(const std::vector<std::string>& expected, const std::set<std::string>& present) {
  std::vector<std::string> out;
  for (const auto& f : expected)
    if (!present.count(f)) out.push_back(f);
  return out;
}

class FilesWait : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {
        {"url", ParamType::string, true,
         "the folder: sftp://user@host[:port]/path/, or a local directory (absolute path or file://)"},
        {"files", ParamType::string_or_list, true, "the file names that must all be in the folder"},
        {"timeout", ParamType::integer, false, "seconds to wait before failing with the missing files (default 86400)"},
        {"interval", ParamType::integer, false, "seconds between two looks at the folder (default 60)"},
        {"key", ParamType::string, false,
         "sftp: the SSH private key file (default: $RELMAN_SSH_KEY, else the ssh agent)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"files"}; }

  json run(StepContext& ctx) const override {
    const std::string url = ctx.str("url");
    const auto expected = ctx.list("files");
    if (expected.empty()) throw StepError("'files' is empty; name the files to wait for");
    const auto timeout = std::chrono::seconds(ctx.integer("timeout", 86400));
    const auto interval = std::chrono::seconds(std::max(1LL, ctx.integer("interval", 60)));
    const std::string shown = is_local_folder(url) ? url : http::redact_url(url);
    if (!is_local_folder(url) && rehearsal::redirect(ctx, url)) {
      // Nobody places installers in a sandbox: a rehearsal looks once and
      // goes on, instead of waiting for files that will never come.
      auto missing = missing_of(expected, list_now(ctx, url));
      ctx.log->line(fmt::format(
          "rehearsal: would wait for {} in {}{}", fmt::join(expected, ", "), shown,
          missing.empty() ? std::string() : fmt::format(" (not in the sandbox: {})", fmt::join(missing, ", "))));
      return {{"files", expected}};
    }
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> last;
    for (bool first = true;; first = false) {
      auto missing = missing_of(expected, list_now(ctx, url));
      if (missing.empty()) {
        ctx.log->line(fmt::format("all {} files are in {}", expected.size(), shown));
        return {{"files", expected}};
      }
      if (first || missing != last) {
        ctx.log->line(fmt::format("waiting for {} of {} files in {}: {}", missing.size(), expected.size(), shown,
                                  fmt::join(missing, ", ")));
        last = missing;
      }
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
      if (waited >= timeout)
        throw StepError(
            fmt::format("after {} s, {} still lacks {}; ask the experts who build them, then `relman "
                        "resume` waits again (raise `timeout` if they are just late)",
                        waited.count(), shown, fmt::join(missing, ", ")));
      ctx.progress(fmt::format("missing {}", fmt::join(missing, ", ")));
      std::this_thread::sleep_for(std::min<std::chrono::seconds>(interval, timeout - waited));
    }
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    try {
      const std::string url = ctx.str("url");
      const auto expected = ctx.list("files");
      if (!is_local_folder(url) && rehearsal::redirect(ctx, url))
        return {ProbeResult::done, {{"files", expected}}, "a rehearsal does not wait"};
      auto missing = missing_of(expected, list_now(ctx, url));
      if (missing.empty()) return {ProbeResult::done, {{"files", expected}}, "every file is in the folder"};
      return {ProbeResult::not_done, json::object(), fmt::format("still missing: {}", fmt::join(missing, ", "))};
    } catch (const std::exception& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
  }
};

RELMAN_REGISTER_STEP(FilesWait, "files.wait");

}  // namespace
}  // namespace relman::steps
