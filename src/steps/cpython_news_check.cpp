// cpython.news_check: release-tools' make_tag refuses to tag while
// Misc/NEWS.d/next/*/[02]*.rst remain or Misc/NEWS.d/VERSION.rst is missing
// ("It doesn't look like you ran blurb release yet"). relman checks the
// work tree, as make_tag does, and the commit the tag will point at.
#include <fmt/format.h>

#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"
#include "steps/news/layout.h"

namespace relman::steps {
namespace {

// What is wrong with `tree` ("" when nothing), one line per problem.
std::string problems(const news::Tree& tree, const std::string& version, const std::string& where) {
  std::string out;
  auto left = news::unreleased_entries(tree);
  if (!left.empty()) {
    out += fmt::format("\n  {}: {} reST file{} still in {}/:", where, left.size(), left.size() == 1 ? " is" : "s are",
                       news::kNextDir);
    for (size_t i = 0; i < left.size() && i < 10; ++i) out += "\n    " + left[i];
    if (left.size() > 10) out += fmt::format("\n    ... and {} more", left.size() - 10);
  }
  if (!tree.exists(news::version_file(version)))
    out += fmt::format("\n  {}: there is no {} file.", where, news::version_file(version));
  return out;
}

class CpythonNewsCheck : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {{"version", ParamType::string, false, "the release file's version; default the release's"},
            {"ref", ParamType::string, false, "the commit that will be tagged; default HEAD"}};
  }

  json run(StepContext& ctx) const override {
    std::string found = check(ctx);
    if (!found.empty()) {
      const std::string version = ctx.str("version", ctx.release.str());
      throw StepError(fmt::format(
          "it doesn't look like `blurb release {}` ran yet:{}\n"
          "Release the news and commit them (the workflow's cpython.news_release step, then git.commit with its "
          "files; or by hand: blurb release {} && git commit -m 'Python {}'), then: relman resume",
          version, found, version, version));
    }
    ctx.log->line("no entries left in next/, and the release file is there and committed");
    return json::object();
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    std::string found = check(ctx);
    if (found.empty()) return {ProbeResult::done, json::object(), "the news are released and committed"};
    return {ProbeResult::not_done, json::object(), "the news are not released:" + found};
  }

 private:
  static std::string check(const StepContext& ctx) {
    const std::string version = ctx.str("version", ctx.release.str());
    const std::string ref = ctx.str("ref", "HEAD");
    std::string found = problems(news::DiskTree(ctx.repo), version, "work tree");
    auto repo = steps::open_repo(ctx);
    git::Commit commit;
    try {
      commit = git::resolve_commit(repo.get(), ref);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("cannot check the news at '{}': {}", ref, e.what()));
    }
    // Only when the work tree is right: the commit's problems would repeat its own.
    if (found.empty()) found = problems(news::CommitTree(repo.get(), commit.get()), version, ref);
    return found;
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonNewsCheck, "cpython.news_check");
}  // namespace relman::steps
