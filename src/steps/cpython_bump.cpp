// cpython.bump: what CPython's release tooling (release.py: tweak_patchlevel,
// tweak_readme, bump, done) does to Include/patchlevel.h and README.rst,
// byte for byte, so a relman release and a release-tools release produce the
// same commit; for the next feature version (X.Y.0a0), also the mechanical
// part of the files bump() hands to an editor.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/durable.h"
#include "core/errors.h"
#include "core/release_cycle.h"
#include "core/step_kind.h"
#include "steps/cpython_text.h"

namespace relman::steps {
namespace {

struct Target {
  std::string rel;  // path relative to the repository
  std::string content;
};

struct Bump {
  std::vector<Target> targets;
  std::string version;              // as patchlevel.h's PY_VERSION says it
  std::vector<std::string> manual;  // files to edit by hand
  std::string manual_message;
};

json outputs_of(const Bump& b) {
  json files = json::array();
  for (const auto& t : b.targets) files.push_back(t.rel);
  return {{"files", files}, {"version", b.version}, {"manual", b.manual}, {"manual_message", b.manual_message}};
}

class CpythonBump : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"post", ParamType::boolean, false,
             "post-release bump (\"3.14.0+\", \"3.15.0+dev\" from 3.15 on): patchlevel.h and README.rst's title; "
             "default false"},
            {"project", ParamType::string, false, "name in README.rst's title; default Python"},
            {"version", ParamType::string, false, "version to write; default the release's (accepts 3.13.0a0)"},
            {"pep", ParamType::string, false,
             "the release-schedule PEP's number for README.rst; default from release_cycle, else TODO"},
            {"release_cycle", ParamType::string, false,
             "a local copy of peps.python.org/api/release-cycle.json (absolute, or relative to where relman runs)"}};
  }
  std::vector<std::string> outputs() const override { return {"files", "version", "manual", "manual_message"}; }

  json run(StepContext& ctx) const override {
    Bump b = compute(ctx);
    for (const auto& t : b.targets) {
      auto path = ctx.repo / t.rel;
      if (durable::read_file(path) != t.content) {
        durable::write_atomic(path, t.content);
        ctx.log->line(fmt::format("updated {} for {}", t.rel, b.version));
      } else {
        ctx.log->line(fmt::format("{} already says {}", t.rel, b.version));
      }
    }
    if (!b.manual.empty()) ctx.log->line(b.manual_message);
    return outputs_of(b);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    Bump b;
    try {
      b = compute(ctx);
    } catch (const StepError& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
    for (const auto& t : b.targets)
      if (durable::read_file(ctx.repo / t.rel) != t.content)
        return {ProbeResult::not_done, json::object(), t.rel + " does not hold " + b.version + " yet"};
    return {ProbeResult::done, outputs_of(b), "the files hold the version"};
  }

 private:
  static Version version_of(const StepContext& ctx) {
    const std::string text = ctx.str("version", ctx.release.str());
    try {
      return Version::parse(text);
    } catch (const ConfigError& e) {
      throw StepError(fmt::format("parameter 'version': {}", e.what()));
    }
  }

  // The content each file must end with.
  static Bump compute(const StepContext& ctx) {
    const Version v = version_of(ctx);
    const bool post = ctx.flag("post", false);
    std::string project = ctx.str("project", "");
    if (project.empty()) project = "Python";
    const std::string suffix = post ? v.post_suffix() : "";
    auto read = [&](const std::string& rel) {
      auto p = ctx.repo / rel;
      if (!std::filesystem::exists(p))
        throw StepError(fmt::format("{} does not exist; is --repo a CPython checkout?", p.string()));
      return durable::read_file(p);
    };
    Bump b;
    b.version = v.str() + suffix;
    const std::string patchlevel = "Include/patchlevel.h";
    b.targets.push_back({patchlevel, cpython::replace_constants(ctx.repo / patchlevel, read(patchlevel),
                                                                cpython::patchlevel_constants(v, suffix))});
    std::string readme = cpython::readme_title(ctx.repo / "README.rst", cpython::universal_newlines(read("README.rst")),
                                               project, v.long_name() + suffix);
    // After a release only the title changes: the links already name X.Y.
    if (!post) {
      VarMap vars = {{"release_pep", ctx.str("pep", "")}, {"release_cycle", ctx.str("release_cycle", "")}};
      std::string pep;
      try {
        pep = release_pep(v, vars);
      } catch (const ConfigError& e) {
        throw StepError(e.what());
      }
      readme = cpython::readme_links(readme, v, pep);
    }
    b.targets.push_back({"README.rst", readme});
    if (!post && v.micro == 0 && v.level == ReleaseLevel::alpha && v.serial == 0) next_feature(ctx, v, b);
    return b;
  }

  // release.py bump() opens these in an editor for X.Y.0a0. Where the edit
  // is one unambiguous substitution relman makes it; the rest is listed for
  // the release manager (the workflow's gate shows the list).
  static void next_feature(const StepContext& ctx, const Version& v, Bump& b) {
    bool configure_changed = false;
    for (const auto& rel : cpython::next_feature_files()) {
      const auto path = ctx.repo / rel;
      if (!std::filesystem::exists(path)) continue;  // release.py: "Skipping FILE"
      std::optional<std::string> content;
      const std::string text = durable::read_file(path);
      if (rel == "configure.ac") content = cpython::bump_configure_ac(text, v);
      if (rel == "PC/pyconfig.h") content = cpython::bump_pyconfig_h(text, v);
      if (!content) {
        b.manual.push_back(rel);
        continue;
      }
      if (rel == "configure.ac") configure_changed = true;
      b.targets.push_back({rel, *content});
    }
    std::vector<std::string> todo;
    if (!b.manual.empty())
      todo.push_back(fmt::format("edit by hand for {}: {}", v.major_minor(), fmt::join(b.manual, ", ")));
    // configure is generated from configure.ac: the release manager runs
    // the tree's script, and the commit takes the result.
    if (configure_changed && std::filesystem::exists(ctx.repo / "configure")) {
      todo.push_back("regenerate configure (Tools/build/regen-configure.sh)");
      b.manual.push_back("configure");
    }
    b.manual_message =
        todo.empty() ? fmt::format("nothing to edit by hand for {}", v.str())
                     : fmt::format("{}; then approve: the next step commits them with the bump", fmt::join(todo, "; "));
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonBump, "cpython.bump");
}  // namespace relman::steps
