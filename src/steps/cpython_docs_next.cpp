// cpython.docs_next: `.. versionadded:: next` and its siblings become the
// release's version in the tracked .rst files (release-tools
// run_release.py bump_version_in_docs, update_version_next.py), in the
// release commit.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "adapters/durable.h"
#include "adapters/git_tracked.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/cpython_text.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

// The tracked .rst files under `dir` (relative to the repository). Only
// tracked ones: a Doc/venv or Doc/build beside them is not the release's, and
// the commit must not take it.
std::vector<std::string> rst_files(const StepContext& ctx, const std::string& dir) {
  auto repo = open_repo(ctx);
  std::string prefix = dir == "." || dir.empty() ? "" : dir;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::vector<std::string> out;
  for (auto& p : git::tracked_paths(repo.get(), ".rst"))
    if (p.compare(0, prefix.size(), prefix) == 0) out.push_back(std::move(p));
  return out;
}

class CpythonDocsNext : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {
        {"version", ParamType::string, false,
         "what replaces `next`; default the release's doc_version (3.14 for 3.14.0rc1, 3.13.3 for 3.13.3)"},
        {"dir", ParamType::string, false, "where to look, relative to the repository; default . (as release-tools)"}};
  }
  std::vector<std::string> outputs() const override { return {"files", "changes"}; }

  json run(StepContext& ctx) const override {
    const std::string version = ctx.str("version", ctx.release.doc_version());
    if (version.empty()) throw StepError("parameter 'version' is empty: name the version that replaces `next`");
    std::vector<std::pair<std::string, std::string>> writes;
    int changes = 0;
    for (const auto& rel : rst_files(ctx, ctx.str("dir", "."))) {
      const auto path = ctx.repo / rel;
      if (!std::filesystem::is_regular_file(path)) continue;  // deleted in the work tree
      int n = 0;
      std::string text = cpython::replace_next_directives(durable::read_file(path), version, n);
      if (n == 0) continue;
      changes += n;
      writes.emplace_back(rel, std::move(text));
    }
    // Remembered before the first write: a retry after a crash finds nothing
    // left to replace but must still hand the commit every file it changed.
    std::set<std::string> files;
    if (ctx.checkpoint.contains("files"))
      for (const auto& f : ctx.checkpoint["files"]) files.insert(f.get<std::string>());
    // A checkpoint counted every change planned before the crash.
    int total = ctx.checkpoint.contains("changes") ? ctx.checkpoint["changes"].get<int>() : changes;
    for (const auto& [rel, text] : writes) files.insert(rel);
    json out = {{"files", json(std::vector<std::string>(files.begin(), files.end()))}, {"changes", total}};
    if (!writes.empty() && ctx.save_checkpoint) ctx.save_checkpoint(out);
    for (const auto& [rel, text] : writes) {
      durable::write_atomic(ctx.repo / rel, text);
      ctx.log->line(fmt::format("{}: `next` -> {}", rel, version));
    }
    if (total == 0) ctx.log->line("no `next` directive in the tracked .rst files");
    return out;
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    std::vector<std::string> rel;
    try {
      rel = rst_files(ctx, ctx.str("dir", "."));
    } catch (const StepError& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
    for (const auto& r : rel) {
      const auto path = ctx.repo / r;
      if (!std::filesystem::is_regular_file(path)) continue;
      int n = 0;
      cpython::replace_next_directives(durable::read_file(path), "x", n);
      if (n) return {ProbeResult::not_done, json::object(), r + " still has a `next` directive"};
    }
    json out = {{"files", ctx.checkpoint.value("files", json::array())},
                {"changes", ctx.checkpoint.value("changes", 0)}};
    return {ProbeResult::done, out, "no `next` directive is left"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonDocsNext, "cpython.docs_next");
}  // namespace relman::steps
