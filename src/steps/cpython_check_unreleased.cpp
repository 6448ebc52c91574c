// cpython.check_unreleased: the docs of a final or a release candidate must
// not say "(unreleased)" (release-tools run_release.py
// check_doc_unreleased_version, on the built HTML archive). Where no docs
// are built, the source check stands in: a `.. versionadded:: next` (or
// sibling) left in a tracked .rst file is what renders as "(unreleased)".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "adapters/archive_reader.h"
#include "adapters/durable.h"
#include "adapters/git_tracked.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/cpython_text.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

constexpr size_t kShown = 20;

// "path:line: text" for each `next` directive in the tracked .rst files.
std::vector<std::string> source_hits(const StepContext& ctx, const std::string& dir) {
  auto repo = open_repo(ctx);
  std::string prefix = dir == "." || dir.empty() ? "" : dir;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::vector<std::string> hits;
  for (const auto& rel : git::tracked_paths(repo.get(), ".rst")) {
    if (rel.compare(0, prefix.size(), prefix) != 0) continue;
    const auto path = ctx.repo / rel;
    if (!std::filesystem::is_regular_file(path)) continue;
    const std::string text = durable::read_file(path);
    size_t start = 0;
    for (int lineno = 1; start < text.size(); ++lineno) {
      size_t nl = text.find('\n', start);
      size_t end = nl == std::string::npos ? text.size() : nl + 1;
      std::string line = text.substr(start, end - start);
      if (cpython::is_next_directive(line)) {
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        hits.push_back(fmt::format("{}:{}: {}", rel, lineno, line));
      }
      start = end;
    }
  }
  return hits;
}

// "name:line" for each line of `text` that says "(unreleased)", what
// grep -rHn "[(]unreleased[)]" prints of the built docs.
void unreleased_lines(const std::string& name, const std::string& text, std::vector<std::string>& hits) {
  size_t start = 0;
  for (int lineno = 1; start < text.size(); ++lineno) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    if (text.substr(start, end - start).find("(unreleased)") != std::string::npos)
      hits.push_back(fmt::format("{}:{}", name, lineno));
    start = end;
  }
}

// The built docs as a folder.
std::vector<std::string> built_hits(const std::filesystem::path& root) {
  std::vector<std::string> hits;
  if (!std::filesystem::is_directory(root))
    throw StepError(
        fmt::format("parameter 'built': {} is not a directory of built docs; build them (make -C Doc "
                    "html) or leave the parameter out for the source check",
                    root.string()));
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file())
      unreleased_lines(std::filesystem::relative(e.path(), root).string(), durable::read_file(e.path()), hits);
  std::sort(hits.begin(), hits.end());
  return hits;
}

// The built docs as the archive that is shipped
// (python-X.Y.Z-docs-html.tar.bz2, or the .zip), read in place: release-tools
// unpacks it into a temporary folder first.
std::vector<std::string> archive_hits(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  const auto format = name.size() > 4 && name.compare(name.size() - 4, 4, ".zip") == 0 ? archive::ReadFormat::zip
                                                                                       : archive::ReadFormat::tar;
  std::vector<std::string> hits;
  try {
    archive::Reader reader(path, format);
    archive::EntryInfo entry;
    while (reader.next(entry))
      if (entry.type == archive::EntryInfo::Type::file) unreleased_lines(entry.name, reader.read_all(), hits);
  } catch (const std::runtime_error& e) {
    throw StepError(
        fmt::format("cannot read the built docs: {}. Make them again (the docs step), then resume", e.what()));
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

std::string more(const std::vector<std::string>& hits) {
  return hits.size() > kShown ? fmt::format("\n  ... and {} more (see the step's log)", hits.size() - kShown) : "";
}

class CpythonCheckUnreleased : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {{"dir", ParamType::string, false, "where the source check looks, relative to the repository; default ."},
            {"built", ParamType::string, false,
             "built HTML docs to search for \"(unreleased)\" instead (relative to the repository unless absolute)"},
            {"archive", ParamType::string, false,
             "the built HTML docs archive to search instead (.tar.bz2 or .zip, relative to artifacts/); a final or "
             "release candidate without it fails"}};
  }
  std::vector<std::string> outputs() const override { return {"found", "checked"}; }

  json run(StepContext& ctx) const override {
    const bool in_archive = ctx.has("archive");
    const bool built = in_archive || (ctx.has("built") && !ctx.str("built", "").empty());
    std::vector<std::string> hits;
    if (in_archive) {
      const auto path = ctx.artifact_path(ctx.str("archive"));
      if (!std::filesystem::is_regular_file(path)) {
        // release-tools asserts the archive exists when the release ships docs.
        if (ctx.release.includes_docs())
          throw StepError(
              fmt::format("the built docs {} do not exist, and a {} ships docs: run the step that "
                          "builds them (cpython.docs), then resume",
                          path.string(), ctx.release.kind_name()));
        ctx.log->line(path.string() + " does not exist; no docs to check before a release candidate");
        return {{"found", 0}, {"checked", "none"}};
      }
      hits = archive_hits(path);
    } else {
      hits = built ? built_hits(ctx.repo_path(ctx.str("built"))) : source_hits(ctx, ctx.str("dir", "."));
    }
    const std::string checked = built ? "built" : "source";
    for (const auto& h : hits) ctx.log->line(h);
    if (!hits.empty()) {
      std::vector<std::string> shown(hits.begin(),
                                     hits.begin() + static_cast<std::ptrdiff_t>(std::min(hits.size(), kShown)));
      std::string what = built ? "\"(unreleased)\" in the built docs" : "`:: next` directives left in the docs";
      if (ctx.release.includes_docs() && in_archive)
        // The docs were built from the tagged tarball: a fix in the sources
        // needs the tag, the tarball and the docs made again.
        throw StepError(
            fmt::format("{} {}, which a {} must not ship:\n  {}{}\nReplace `next` with {} in the sources (what "
                        "cpython.docs_next does), commit the fix on the release branch, delete the release tag "
                        "(git tag -d) and `relman retry` the tag step, which makes the tarball and these docs again. "
                        "If these are right as they are (a page that quotes the words), waive the check: relman "
                        "skip {}",
                        hits.size(), what, ctx.release.kind_name(), fmt::join(shown, "\n  "), more(hits),
                        ctx.release.doc_version(), ctx.step_id),
            Recovery{Recovery::Kind::retry_kind, "git.tag"});
      if (ctx.release.includes_docs())
        throw StepError(fmt::format(
            "{} {}, which a {} must not ship:\n  {}{}\nReplace `next` with {} in the sources (what "
            "cpython.docs_next does), commit, then: relman resume{}",
            hits.size(), what, ctx.release.kind_name(), fmt::join(shown, "\n  "), more(hits), ctx.release.doc_version(),
            built ? ". If these are right as they are (a page that quotes the words), waive the check: relman skip " +
                        ctx.step_id
                  : ""));
      ctx.log->line(fmt::format("warning: {} {} (allowed before a release candidate)", hits.size(), what));
    }
    return {{"found", hits.size()}, {"checked", checked}};
  }

  // A check changes nothing: running it again is the probe.
  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "a check is run again"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonCheckUnreleased, "cpython.check_unreleased");
}  // namespace relman::steps
