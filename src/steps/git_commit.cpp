// git.commit: commit the release's changes (the version bump, NEWS) on HEAD.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <optional>

#include "adapters/durable.h"
#include "adapters/git_ops.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

// `paths` as given: strings, or lists of them (a step's `files` output
// inside the list: ["${steps.bump.outputs.files}", Misc/NEWS.d]), each
// relative to the repository and inside it. A skipped step's output adds
// nothing. No value: the parameter is not set.
std::optional<std::vector<std::string>> given_paths(const StepContext& ctx) {
  if (!ctx.has("paths")) return std::nullopt;
  std::vector<std::string> out;
  std::function<void(const json&)> add = [&](const json& v) {
    if (v.is_null()) return;
    if (v.is_array()) {
      for (const auto& x : v) add(x);
      return;
    }
    if (!v.is_string()) throw StepError(fmt::format("parameter 'paths' must hold paths, got {}", v.dump()));
    std::string p = std::filesystem::path(v.get<std::string>()).lexically_normal().generic_string();
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p.empty() || p == "." || std::filesystem::path(p).is_absolute() || p == ".." || p.rfind("../", 0) == 0)
      throw StepError(
          fmt::format("path '{}' in 'paths' is not inside the repository; give paths "
                      "relative to its root, such as Include/patchlevel.h",
                      v.get<std::string>()));
    out.push_back(p);
  };
  add(ctx.with["paths"]);
  return out;
}

// Additions, changes and deletions under `pathspec` ("*": the whole tree).
void stage(git_index* index, const std::string& pathspec) {
  std::string copy = pathspec;
  char* one[] = {copy.data()};
  git_strarray spec{one, 1};
  if (git_index_add_all(index, &spec, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr) < 0 ||
      git_index_update_all(index, &spec, nullptr, nullptr) < 0)
    throw StepError(fmt::format("cannot stage {}: {}", pathspec == "*" ? "the changes" : "'" + pathspec + "'",
                                git_error_last() ? git_error_last()->message : "unknown error"));
}

// Why a path must never be committed, or empty: relman's own files are not
// the release's, whatever `paths` says and wherever --state-dir points.
std::string relman_file(const StepContext& ctx, const std::string& rel) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto state = fs::weakly_canonical(ctx.state_dir, ec);
  auto root = fs::weakly_canonical(ctx.repo, ec);
  fs::path p(rel);
  if (durable::is_temp_name(p.filename().string())) return "a relman temporary file";
  for (auto dir = p.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(root / dir / "journal.jsonl", ec))
      return fmt::format("in a relman state directory ({}/)", dir.generic_string());
    if (!state.empty() && fs::weakly_canonical(root / dir, ec) == state)
      return fmt::format("in this run's state directory ({}/)", dir.generic_string());
  }
  return {};
}

void refuse_relman_files(const StepContext& ctx, git_repository* repo, git_commit* head, git_index* index) {
  git_tree* raw_tree = nullptr;
  git::check(git_commit_tree(&raw_tree, head), "cannot read HEAD's tree");
  std::unique_ptr<git_tree, git::Deleter<git_tree, git_tree_free>> tree(raw_tree);
  git_diff* raw_diff = nullptr;
  git::check(git_diff_tree_to_index(&raw_diff, repo, tree.get(), index, nullptr), "cannot compare the index with HEAD");
  std::unique_ptr<git_diff, git::Deleter<git_diff, git_diff_free>> diff(raw_diff);
  std::string found;
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    if (d->status == GIT_DELTA_DELETED) continue;
    std::string why = relman_file(ctx, d->new_file.path);
    if (!why.empty()) found += fmt::format("\n  {}: {}", d->new_file.path, why);
  }
  if (!found.empty())
    throw StepError(fmt::format(
        "refusing to commit relman's own files:{}\nThey are not the release's. Keep the run's state "
        "outside the work tree (the default, $GIT_DIR/relman/), remove stray temporary files, and give the step the "
        "paths the release changes (with: {{paths: [...]}}); then: relman resume",
        found));
}

class GitCommit : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"message", ParamType::string, true, "the commit message"},
            {"paths", ParamType::string_or_list, false,
             "files or directories to commit (a step's `files` output may be an item); default: every change, "
             "new files included. relman's own files are refused either way"},
            {"author_name", ParamType::string, false, "default: user.name"},
            {"author_email", ParamType::string, false, "default: user.email"}};
  }
  std::vector<std::string> outputs() const override { return {"commit"}; }

  json run(StepContext& ctx) const override {
    std::string message = steps::prettify_message(ctx.str("message"));
    auto repo = steps::open_repo(ctx);
    auto head = git::head_commit(repo.get());
    auto index = git::repository_index(repo.get());
    auto given = given_paths(ctx);
    std::vector<std::string> paths = given.value_or(std::vector<std::string>{});
    if (!given) {
      stage(index.get(), "*");
    } else {
      for (const auto& p : paths) {
        std::error_code ec;
        if (std::filesystem::is_directory(ctx.repo / p, ec)) {
          stage(index.get(), p);
        } else if (std::filesystem::exists(ctx.repo / p, ec)) {
          if (git_index_add_bypath(index.get(), p.c_str()) < 0)
            throw StepError(fmt::format("cannot add '{}': {}", p, git_error_last()->message));
        } else if (git_index_remove_bypath(index.get(), p.c_str()) < 0) {
          throw StepError(fmt::format("'{}' does not exist; fix 'paths'", p));
        }
      }
    }
    refuse_relman_files(ctx, repo.get(), head.get(), index.get());
    git_oid tree;
    git::check(git_index_write_tree(&tree, index.get()), "cannot write the index as a tree");
    if (git_oid_equal(&tree, git_commit_tree_id(head.get()))) {
      // Run again after `relman retry` of an earlier step (its checkpoint
      // cleared), this step finds its own commit already at HEAD: the same
      // message, nothing new to add. That is done, not a failure.
      if (git_commit_message(head.get()) == message) {
        std::string sha = git::oid_str(*git_commit_id(head.get()));
        ctx.log->line(fmt::format("HEAD {} is already this commit (\"{}\") and nothing changed since: nothing to do",
                                  sha, message.substr(0, message.find('\n'))));
        return {{"commit", sha}};
      }
      throw StepError(
          fmt::format("nothing to commit: the {} match HEAD ({}). If the change was already committed, skip the "
                      "step: relman skip {} --reason '...'; otherwise make the change, then: relman resume",
                      !given ? "working tree and index" : fmt::format("paths {}", fmt::join(paths, ", ")),
                      git::oid_str(*git_commit_id(head.get())), ctx.step_id));
    }
    git::Signature committer, author;
    try {
      committer = git::identity(repo.get());
      author = git::identity(repo.get(), ctx.str("author_name", ""), ctx.str("author_email", ""));
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}", e.what()));
    }
    std::string parent = git::oid_str(*git_commit_id(head.get()));
    ctx.save_checkpoint({{"parent", parent}});
    git_oid oid = git::commit_index(repo.get(), index.get(), message, author.get(), committer.get(), {head.get()});
    std::string sha = git::oid_str(oid);
    ctx.log->line(fmt::format("committed {} on {}: {}", sha, parent, message.substr(0, message.find('\n'))));
    return {{"commit", sha}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    if (!ctx.checkpoint.contains("parent"))
      return {ProbeResult::not_done, json::object(), "no commit was started (no checkpoint)"};
    std::string parent = ctx.checkpoint["parent"].get<std::string>();
    std::string message = steps::prettify_message(ctx.str("message"));
    auto repo = steps::open_repo(ctx);
    auto head = git::head_commit(repo.get());
    std::string head_sha = git::oid_str(*git_commit_id(head.get()));
    if (head_sha == parent) return {ProbeResult::not_done, json::object(), "HEAD is still the recorded parent"};
    bool on_parent =
        git_commit_parentcount(head.get()) == 1 && git::oid_str(*git_commit_parent_id(head.get(), 0)) == parent;
    if (on_parent && git_commit_message(head.get()) == message)
      return {ProbeResult::done, {{"commit", head_sha}}, "HEAD is this commit on top of the recorded parent"};
    return {ProbeResult::unknown, json::object(),
            fmt::format("HEAD ({}) is neither the recorded parent {} nor a commit with this message on top of it",
                        head_sha, parent)};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitCommit, "git.commit");
}  // namespace relman::steps
