// cpython.news_merge: `blurb merge` for the tree of a tag. release-tools runs
// it in the exported tree, so the tarball ships Misc/NEWS; relman renders
// the same text from the tag's Misc/NEWS.d into the step's work directory,
// and archive.export adds that file to the tarballs.
#include <fmt/format.h>

#include <functional>

#include "adapters/durable.h"
#include "adapters/git_ops.h"
#include "core/confine.h"
#include "core/errors.h"
#include "steps/cpython_news_common.h"
#include "steps/git_common.h"
#include "steps/news/layout.h"
#include "steps/news/merge.h"
#include "steps/news/text.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

// The native rendering, or a StepError saying what to fix.
std::string render(const StepContext& ctx, const news::Tree& tree, const std::string& ref) {
  try {
    return news::merge_news(tree);
  } catch (const news::NewsError& e) {
    throw StepError(
        fmt::format("cannot merge the news of '{}': {}\nFix the file, commit, move the tag to the fix, "
                    "then: relman retry {}",
                    ref, e.what(), ctx.step_id));
  }
}

// blurb finds the checkout's root by its README, LICENSE, Include/Python.h
// and Python/ceval.c, and reads only Misc/NEWS.d below it: a scratch
// directory with the tag's Misc/NEWS.d and stand-ins for those four is all
// it needs, without a checkout of the tag.
fs::path blurb_root(const StepContext& ctx, const news::Tree& tree) {
  const fs::path root = ctx.work_dir / "blurb-tree";
  std::error_code ec;
  fs::remove_all(root, ec);
  auto put = [&](const std::string& rel, const std::string& content) {
    durable::create_directories_durable((root / rel).parent_path());
    durable::write_atomic(root / rel, content);
  };
  put("README.rst", "This is Python version 3.0.0\n");
  put("LICENSE", "A. HISTORY OF THE SOFTWARE\n");
  put("Include/Python.h", "");
  put("Python/ceval.c", "");
  std::function<void(const std::string&)> copy = [&](const std::string& dir) {
    durable::create_directories_durable(root / dir);
    for (const auto& e : tree.list(dir)) {
      const std::string rel = dir + "/" + e.name;
      if (e.is_dir) copy(rel);
      else put(rel, tree.read(rel));
    }
  };
  copy(news::kNewsDir);
  return root;
}

class CpythonNewsMerge : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"ref", ParamType::string, true, "the tag (or any revision) whose Misc/NEWS.d is merged"},
            {"output", ParamType::string, false, "file name in the step's work directory; default NEWS"},
            news_step::prefer_param()};
  }
  std::vector<std::string> outputs() const override { return {"file", "tool"}; }
  std::vector<std::string> validate(const json& with) const override {
    auto problems = news_step::validate_prefer(with);
    check_confined_param(with, "output", "the step's work directory", problems);
    return problems;
  }

  json run(StepContext& ctx) const override {
    const std::string ref = ctx.str("ref");
    const fs::path file = confine_path(ctx, ctx.work_dir, ctx.str("output", "NEWS"), "the step's work directory");
    auto repo = steps::open_repo(ctx);
    git::Commit commit = resolve(ctx, repo.get(), ref);
    news::CommitTree tree(repo.get(), commit.get());

    if (auto blurb = news_step::chosen_blurb(ctx); !blurb.empty()) {
      fs::path root = blurb_root(ctx, tree);
      std::error_code ec;
      fs::remove(file, ec);
      news_step::run_blurb(ctx, blurb, {"merge", "-f", fs::absolute(file).string()}, root);
      if (!fs::exists(file))
        throw StepError(
            fmt::format("`blurb merge` succeeded but wrote no {}; see {}", file.string(), ctx.log->path().string()));
      fs::remove_all(root, ec);
      return {{"file", fs::absolute(file).string()}, {"tool", "blurb"}};
    }

    const std::string text = render(ctx, tree, ref);
    durable::write_atomic(file, text);
    ctx.log->line(fmt::format("wrote {} ({} bytes) from {} of {}", file.string(), text.size(), news::kNewsDir, ref));
    return {{"file", fs::absolute(file).string()}, {"tool", "native"}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    const std::string ref = ctx.str("ref");
    const fs::path file = confine_path(ctx, ctx.work_dir, ctx.str("output", "NEWS"), "the step's work directory");
    if (!fs::exists(file)) return {ProbeResult::not_done, json::object(), file.string() + " does not exist"};
    auto repo = steps::open_repo(ctx);
    git::Commit commit = resolve(ctx, repo.get(), ref);
    news::CommitTree tree(repo.get(), commit.get());
    if (durable::read_file(file) != render(ctx, tree, ref))
      return {ProbeResult::not_done, json::object(), file.string() + " is not the merge of " + ref + "'s news"};
    return {ProbeResult::done,
            {{"file", fs::absolute(file).string()}, {"tool", "native"}},
            file.string() + " holds the merge of " + ref + "'s news"};
  }

 private:
  static git::Commit resolve(const StepContext& ctx, git_repository* repo, const std::string& ref) {
    try {
      return git::resolve_commit(repo, ref);
    } catch (const std::exception& e) {
      throw StepError(
          fmt::format("cannot merge the news of '{}': {} in {}. Check with git -C {} rev-parse {}, "
                      "fix the step's ref, then: relman resume",
                      ref, e.what(), ctx.repo.string(), ctx.repo.string(), ref));
    }
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonNewsMerge, "cpython.news_merge");
}  // namespace relman::steps
