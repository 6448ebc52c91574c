// cpython.news_release: `blurb release VERSION`. The entries in
// Misc/NEWS.d/next move into Misc/NEWS.d/VERSION.rst, written as blurb
// writes it; the step lists the file and the removed entries in `files`,
// so that git.commit commits exactly them, deletions included.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "adapters/durable.h"
#include "adapters/git_status.h"
#include "core/errors.h"
#include "core/sha256_digest.h"
#include "steps/cpython_news_common.h"
#include "steps/git_common.h"
#include "steps/news/layout.h"
#include "steps/news/release.h"
#include "steps/news/text.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

// Removes `rel` from the work tree and then its directories while they are
// empty, up to Misc/NEWS.d, as `git rm` does.
void remove_entry(const StepContext& ctx, const std::string& rel) {
  std::error_code ec;
  fs::remove(ctx.repo / rel, ec);
  if (ec) throw StepError(fmt::format("cannot remove {}: {}", (ctx.repo / rel).string(), ec.message()));
  for (auto dir = fs::path(rel).parent_path(); dir.generic_string().size() > news::kNewsDir.size();
       dir = dir.parent_path()) {
    if (!fs::is_empty(ctx.repo / dir, ec) || ec) break;
    fs::remove(ctx.repo / dir, ec);
  }
}

// Entries under next/ that the work tree no longer has but HEAD does: the
// ones a release removed, when the step finds the release already made.
std::vector<std::string> deleted_entries(const StepContext& ctx) {
  auto repo = steps::open_repo(ctx);
  std::vector<std::string> out;
  for (const auto& e : git::status(repo.get()))
    if (e.path.rfind(news::kNextDir + "/", 0) == 0 && e.what.find("deleted") != std::string::npos)
      out.push_back(e.path);
  return out;
}

class CpythonNewsRelease : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"version", ParamType::string, false, "the release file's version; default the release's"},
            news_step::prefer_param(),
            {"date", ParamType::string, false,
             "release date written (YYYY-MM-DD); default the day of SOURCE_DATE_EPOCH when set, else today"}};
  }
  std::vector<std::string> outputs() const override { return {"files", "file", "entries", "tool"}; }
  std::vector<std::string> validate(const json& with) const override { return news_step::validate_prefer(with); }

  json run(StepContext& ctx) const override {
    const std::string version = ctx.str("version", ctx.release.str());
    const std::string out = news::version_file(version);
    news::DiskTree tree(ctx.repo);
    std::vector<std::string> entries = news::next_entries(tree);
    for (const auto& stray : news::stray_next_files(tree))
      ctx.log->line(fmt::format("warning: {} is not in a section's directory: blurb leaves it in next/", stray));

    if (tree.exists(out)) {
      // An earlier run wrote the file and stopped before removing every
      // entry: the checkpoint says which, and the file proves it is ours.
      if (ctx.checkpoint.contains("sha256") &&
          ctx.checkpoint["sha256"] == sha256_hex(durable::read_file(ctx.repo / out))) {
        auto consumed = ctx.checkpoint["consumed"].get<std::vector<std::string>>();
        for (const auto& e : consumed)
          if (fs::exists(ctx.repo / e)) remove_entry(ctx, e);
        ctx.log->line(fmt::format("finished the release of {} entries into {} begun earlier", consumed.size(), out));
        return outputs_for(ctx, out, ctx.checkpoint.value("tool", "native"));
      }
      if (entries.empty()) {
        ctx.log->line(
            fmt::format("{} exists and next/ holds no entry: the news of {} are released already", out, version));
        return outputs_for(ctx, out, "earlier");
      }
      throw StepError(fmt::format(
          "{} exists already and {} entries are still in {}/ ({}...): blurb cannot add entries to a release file. "
          "If they belong to {}, move the file away (git checkout -- {} or rm {}) and run the step again: "
          "relman retry {}",
          out, entries.size(), news::kNextDir, entries.front(), version, out, out, ctx.step_id));
    }

    if (auto blurb = news_step::chosen_blurb(ctx); !blurb.empty()) {
      ctx.save_checkpoint({{"consumed", entries}, {"tool", "blurb"}});
      try {
        news_step::run_blurb(ctx, blurb, {"release", version}, ctx.repo);
      } catch (const StepError&) {
        // With no entries blurb writes the "no changes" file, then fails
        // reading it back (gh-issue 0): the release is made all the same.
        if (!entries.empty() || !tree.exists(out) || !news::next_entries(tree).empty()) throw;
        ctx.log->line(
            fmt::format("blurb failed after writing {} (it refuses its own gh-issue 0 in a \"no changes\" "
                        "file): the release file is there, going on",
                        out));
      }
      if (!tree.exists(out))
        throw StepError(fmt::format("`blurb release {}` succeeded but wrote no {}; see {}", version, out,
                                    ctx.log->path().string()));
      ctx.save_checkpoint({{"sha256", sha256_hex(durable::read_file(ctx.repo / out))}});
      return outputs_for(ctx, out, "blurb");
    }

    news::ReleasePlan plan;
    try {
      plan = news::plan_release(tree, version, news_step::release_date(ctx));
    } catch (const news::NewsError& e) {
      throw StepError(
          fmt::format("{}\nFix the entry (or remove it: git rm PATH), then: relman retry {}", e.what(), ctx.step_id));
    }
    // Before the first change: which entries this release takes, and the
    // file that proves it was this step that wrote them.
    ctx.save_checkpoint({{"consumed", plan.consumed}, {"sha256", sha256_hex(plan.text)}, {"tool", "native"}});
    durable::write_atomic(ctx.repo / out, plan.text);
    for (const auto& e : plan.consumed) remove_entry(ctx, e);
    if (plan.consumed.empty())
      ctx.log->line(fmt::format("no entries in next/: {} says there were no new changes in {}", out, version));
    else ctx.log->line(fmt::format("merged {} entries into {} and removed them from next/", plan.consumed.size(), out));
    return outputs_for(ctx, out, "native");
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    const std::string version = ctx.str("version", ctx.release.str());
    const std::string out = news::version_file(version);
    news::DiskTree tree(ctx.repo);
    if (!tree.exists(out)) return {ProbeResult::not_done, json::object(), out + " does not exist"};
    auto entries = news::next_entries(tree);
    if (!entries.empty()) {
      if (ctx.checkpoint.contains("sha256") &&
          ctx.checkpoint["sha256"] == sha256_hex(durable::read_file(ctx.repo / out)))
        return {ProbeResult::not_done, json::object(), out + " is written; some entries are still to remove"};
      return {ProbeResult::unknown, json::object(),
              fmt::format("{} exists but {} entries are still in next/", out, entries.size())};
    }
    return {ProbeResult::done, outputs_for(ctx, out, ctx.checkpoint.value("tool", "earlier")),
            out + " exists and next/ holds no entry"};
  }

 private:
  // `files`: the release file, then every entry it replaced (deleted).
  static json outputs_for(const StepContext& ctx, const std::string& out, const std::string& tool) {
    std::vector<std::string> removed;
    if (ctx.checkpoint.contains("consumed")) removed = ctx.checkpoint["consumed"].get<std::vector<std::string>>();
    std::set<std::string> seen(removed.begin(), removed.end());
    for (const auto& d : deleted_entries(ctx))
      if (seen.insert(d).second) removed.push_back(d);
    json files = json::array({out});
    for (const auto& r : removed) files.push_back(r);
    return {{"files", files}, {"file", out}, {"entries", removed.size()}, {"tool", tool}};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonNewsRelease, "cpython.news_release");
}  // namespace relman::steps
