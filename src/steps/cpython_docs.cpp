// cpython.docs: the documentation a final or a release candidate ships,
// built from the release tarball as release-tools' build-release workflow
// builds it (`make dist-epub`, `dist-html`, `dist-texinfo`, `dist-text` in
// Doc/ with SPHINXOPTS=-jN), or taken from that workflow's `docs` artifact
// when the release manager has it. Either way the files end up in
// artifacts/docs/ under the names python.org serves
// (python-X.Y.Z-docs-html.zip, ...), where the docs check, the upload and the
// docs server's unpack find them.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "adapters/durable.h"
#include "adapters/process.h"
#include "adapters/sha256.h"
#include "adapters/sphinx_build.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/logged_command.h"
#include "steps/release_tree.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// release-tools' build_docs and build-release.yml, in their order.
const std::vector<std::string> kDefaultTargets = {"dist-epub", "dist-html", "dist-texinfo", "dist-text"};

std::string html_archive(const Version& v) { return fmt::format("python-{}-docs-html.tar.bz2", v.str()); }
std::string html_zip(const Version& v) { return fmt::format("python-{}-docs-html.zip", v.str()); }

// The files of one version's docs in `dir`, sorted; files named for another
// version are an error (the wrong run's artifact was downloaded).
std::vector<fs::path> docs_files_in(const fs::path& dir, const Version& v) {
  const std::string mine = fmt::format("python-{}-docs", v.str());
  std::vector<fs::path> files, others;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.rfind(mine, 0) == 0 &&
        (name.size() == mine.size() || name[mine.size()] == '-' || name[mine.size()] == '.'))
      files.push_back(e.path());
    else if (name.rfind("python-", 0) == 0 && name.find("-docs") != std::string::npos) others.push_back(e.path());
  }
  if (!others.empty()) {
    std::vector<std::string> names;
    names.reserve(others.size());
    for (const auto& o : others) names.push_back(o.filename().string());
    std::sort(names.begin(), names.end());
    throw StepError(
        fmt::format("{} holds docs of another version ({}), not only {}'s: is it the artifact of the "
                    "right build-release run? Keep only python-{}-docs* there, then resume",
                    dir.string(), fmt::join(names, ", "), v.str(), v.str()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

class CpythonDocs : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {
        {"tarball", ParamType::string, true, "the release tarball the docs are built from, relative to artifacts/"},
        {"from", ParamType::string, false,
         "an absolute path to a folder holding the build-release workflow's docs artifact: taken instead of "
         "building (empty: build)"},
        {"targets", ParamType::string_list, false,
         "Doc/Makefile targets (default dist-epub, dist-html, dist-texinfo, dist-text)"},
        {"sphinx_build", ParamType::string, false,
         "sphinx-build to use (default: the checkout's Doc/venv/bin/sphinx-build, else PATH)"},
        {"jobs", ParamType::integer, false, "sphinx-build -jN (default: the number of CPUs)"},
        {"timeout", ParamType::integer, false, "seconds for all targets together (default 2700)"},
        {"dir", ParamType::string, false, "name of the directory the tarball is unpacked into (default docs)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"files", "html_archive", "html_zip", "built"}; }

  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    check_tree_build_params(with, problems);
    return problems;
  }

  json run(StepContext& ctx) const override {
    ctx.save_checkpoint({{"done", false}});
    const std::string from = ctx.str("from", "");
    const bool built = from.empty();
    // Absolute only: a rehearsal's repository is a clone in its sandbox, so
    // "relative to the repository" would not be where the folder is.
    if (!built && !fs::path(from).is_absolute())
      throw StepError(fmt::format("`from` must be an absolute path, got '{}'", from));
    const fs::path source_dir = built ? build(ctx) : fs::path(from);
    if (!built && !fs::is_directory(source_dir))
      throw StepError(
          fmt::format("`from`: {} is not a folder. Download the build-release workflow's `docs` "
                      "artifact and unpack it there, or leave `from` empty to build the docs",
                      source_dir.string()));
    const auto files = docs_files_in(source_dir, ctx.release);
    for (const auto& required : {html_archive(ctx.release), html_zip(ctx.release)})
      if (std::none_of(files.begin(), files.end(), [&](const fs::path& f) { return f.filename() == required; }))
        throw StepError(fmt::format(
            "{} has no {}: the HTML docs are what the docs check reads and the docs server unpacks. {}",
            source_dir.string(), required,
            built ? "Check that the targets include dist-html and what Doc/Makefile's dist-html makes (the step's log)"
                  : "Download the whole `docs` artifact of the build-release run, then resume"));

    // Copied whole into artifacts/docs/ (each by rename), then recorded with
    // their digests for the probe.
    const fs::path out = ctx.artifacts_dir / "docs";
    durable::create_directories_durable(out);
    // What an earlier attempt left that this one does not make (another
    // artifact, other targets) must not be taken for part of the release.
    for (const auto& e : fs::directory_iterator(out))
      if (std::none_of(files.begin(), files.end(),
                       [&](const fs::path& f) { return f.filename() == e.path().filename(); }))
        fs::remove_all(e.path());
    json recorded = json::array();
    json rel = json::array();
    for (const auto& f : files) {
      const std::string name = f.filename().string();
      durable::write_atomic(out / name, durable::read_file(f));
      recorded.push_back({{"name", name}, {"sha256", sha256_file(out / name)}});
      rel.push_back("docs/" + name);
      ctx.log->line(fmt::format("{} {} -> {}", built ? "built" : "taken", f.string(), (out / name).string()));
    }
    json outputs = {{"files", rel},
                    {"html_archive", "docs/" + html_archive(ctx.release)},
                    {"html_zip", "docs/" + html_zip(ctx.release)},
                    {"built", built}};
    ctx.save_checkpoint({{"done", true}, {"files", recorded}, {"outputs", outputs}});
    return outputs;
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    const auto& cp = ctx.checkpoint;
    if (!cp.value("done", false) || !cp.contains("files"))
      return {ProbeResult::not_done, {}, "the docs were not all in artifacts/docs/; they are made again"};
    for (const auto& f : cp["files"]) {
      const auto path = ctx.artifacts_dir / "docs" / f.value("name", "");
      if (!fs::is_regular_file(path) || sha256_file(path) != f.value("sha256", ""))
        return {ProbeResult::not_done, {}, path.string() + " is missing or changed; the docs are made again"};
    }
    return {ProbeResult::done, cp["outputs"], "the docs are in artifacts/docs/ as recorded"};
  }

 private:
  // The tarball unpacked afresh, then each target in Doc/. Returns Doc/dist.
  static fs::path build(StepContext& ctx) {
    const long long jobs = ctx.integer("jobs", std::max(1u, std::thread::hardware_concurrency()));
    const long long timeout_s = ctx.integer("timeout", 2700);
    if (jobs <= 0 || timeout_s <= 0) throw StepError("'jobs' and 'timeout' must be positive");
    const auto start = Clock::now();
    const auto top = unpack_release_tree(ctx, ctx.artifact_path(ctx.str("tarball")), ctx.str("dir", "docs"));
    const auto doc = top / "Doc";
    if (!fs::is_regular_file(doc / "Makefile"))
      throw StepError(fmt::format(
          "the tarball has no Doc/Makefile in {}/, so its docs cannot be built here. Give the step the "
          "build-release workflow's `docs` artifact in `from` (pep101: relman resume --var docs_from=FOLDER)",
          top.filename().string()));
    const auto sphinx = sphinx::find_build(ctx.repo, ctx.str("sphinx_build", ""));
    if (sphinx.empty())
      throw StepError(fmt::format(
          "sphinx-build was not found ({}). Either make the docs toolchain: `make -C Doc venv` in your "
          "CPython checkout (it installs Doc/requirements.txt from PyPI), and give its sphinx-build in "
          "`sphinx_build` (pep101: relman resume --var sphinx_build=CHECKOUT/Doc/venv/bin/sphinx-build); or take "
          "the docs the build-release workflow built: unpack its `docs` artifact into a folder and give it in "
          "`from` (pep101: relman resume --var docs_from=FOLDER)",
          !ctx.str("sphinx_build", "").empty() ? "`sphinx_build`: " + ctx.str("sphinx_build")
                                               : "not in " + (ctx.repo / "Doc/venv/bin").string() + ", not on PATH"));

    LoggedCommand command{doc, {}, start + std::chrono::seconds(timeout_s)};
    std::vector<std::string> targets = ctx.has("targets") ? ctx.list("targets") : kDefaultTargets;
    // Make variables on the command line reach Doc/Makefile's own $(MAKE)
    // calls and override its defaults (release-tools sets them in the
    // environment, which a plain `VAR = ...` in the Makefile would win over).
    std::vector<std::string> vars = {"SPHINXBUILD=" + sphinx.string(), fmt::format("SPHINXOPTS=-j{}", jobs)};
    if (auto blurb = process::find_program("blurb"); !blurb.empty()) vars.push_back("BLURB=" + blurb.string());
    ctx.log->line("sphinx-build: " + sphinx.string());
    for (const auto& target : targets) {
      std::vector<std::string> argv = {"make", target};
      argv.insert(argv.end(), vars.begin(), vars.end());
      const std::string shown = process::show_argv({"make", "-C", "Doc", target});
      const auto r = command.run(ctx, argv, shown, "Install make");
      if (r.timed_out)
        throw StepError(
            fmt::format("`{}` timed out after {} s (all targets together).\nLast lines of the log:\n{}\nFull log: {}\n"
                        "If the build is only slow, raise `timeout`; then `relman retry {}`.",
                        shown, timeout_s, ctx.log->tail(20), ctx.log->path().string(), ctx.step_id));
      if (!r.ok())
        throw StepError(fmt::format(
            "`{}` failed ({}) in {}.\nLast lines of the log:\n{}\nFull log: {}\n"
            "A missing tool or a Sphinx that Doc/requirements.txt does not pin: fix it, then `relman retry {}`. "
            "A fault in the docs' source: commit the fix on the release branch, delete the release tag "
            "(git tag -d) and `relman retry` the tag step, which makes the tarball and these docs again.",
            shown, r.describe(), doc.string(), ctx.log->tail(20), ctx.log->path().string(), ctx.step_id));
    }
    auto dist = doc / "dist";
    if (!fs::is_directory(dist))
      throw StepError(fmt::format("the targets ({}) made no Doc/dist/ in {}; are they Doc/Makefile's dist-* targets?",
                                  fmt::join(targets, ", "), top.string()));
    return dist;
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonDocs, "cpython.docs");
}  // namespace relman::steps
