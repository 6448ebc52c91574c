#include "steps/git_common.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <regex>
#include <sstream>

#include "adapters/durable.h"
#include "adapters/git_ops.h"
#include "adapters/git_remote.h"
#include "core/errors.h"

namespace relman::steps {

git::Repository open_repo(const StepContext& ctx) {
  try {
    return git::open(ctx.repo);
  } catch (const std::exception& e) {
    throw StepError(fmt::format("{} (is --repo pointing at the release's clone?)", e.what()));
  }
}

git::Remote open_sandbox_remote(const StepContext& ctx, git_repository* repo, const std::string& name) {
  auto it = ctx.sandbox.remotes.find(name);
  if (it == ctx.sandbox.remotes.end())
    throw StepError(fmt::format(
        "this rehearsal has no sandbox mirror for the remote '{}', so it pushes nowhere: a rehearsal writes "
        "only into the mirrors it made before its first step, for the remotes its steps named then. Nothing was "
        "pushed. Start a new rehearsal (a remote given by a var or the environment is mapped at start), or `relman "
        "skip {}`",
        name, ctx.step_id));
  const std::filesystem::path mirror = it->second;
  git::Remote remote = git::open_remote(repo, mirror.string());
  // Belt and braces: whatever git's configuration rewrites (url.*.insteadOf,
  // pushInsteadOf), the remote must still be the mirror, inside the sandbox.
  std::error_code ec;
  const auto real_mirror = std::filesystem::weakly_canonical(mirror, ec);
  const auto real_mirrors = std::filesystem::weakly_canonical(ctx.sandbox.mirrors, ec);
  for (const char* url : {git_remote_url(remote.get()), git_remote_pushurl(remote.get())}) {
    if (!url) continue;
    const auto real = std::filesystem::weakly_canonical(url, ec);
    const auto rel = real.lexically_relative(real_mirrors);
    const bool in_sandbox = !ctx.sandbox.mirrors.empty() && !rel.empty() && *rel.begin() != "..";
    if (real != real_mirror || !in_sandbox)
      throw StepError(
          fmt::format("in this rehearsal '{}' would go to {} instead of its sandbox mirror "
                      "{} (a url.insteadOf in git's configuration?). Nothing was pushed; remove the "
                      "rewrite, then: relman resume",
                      name, url, mirror.string()));
  }
  return remote;
}

std::string fetch_branch(StepContext& ctx, git_repository* repo, const std::string& remote, const std::string& branch) {
  if (remote.empty() || remote.find_first_of("/:") != std::string::npos)
    throw StepError(
        fmt::format("remote '{}' must be a remote's name (such as upstream), not a URL or a path: its "
                    "branches are kept as refs/remotes/<name>/...; fix the workflow",
                    remote));
  git::Remote r;
  if (ctx.mode == RunMode::rehearse) {
    r = open_sandbox_remote(ctx, repo, remote);
  } else {
    try {
      r = git::open_remote(repo, remote);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}; add the remote (git remote add {} URL), then: relman resume", e.what(), remote));
    }
  }
  const std::string tracking = "refs/remotes/" + remote + "/" + branch;
  git::RemoteAuth auth;
  auth.on_secret = [&ctx](const std::string& s) { ctx.add_secret(s); };
  try {
    git::fetch(r.get(), {"+refs/heads/" + branch + ":" + tracking}, auth);
  } catch (const std::exception& e) {
    throw StepError(
        fmt::format("{}; check the network, the remote's URL and that it has a branch '{}', then: "
                    "relman resume",
                    e.what(), branch));
  }
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, tracking.c_str()) != 0)
    throw StepError(
        fmt::format("the remote {} has no branch '{}'; check the branch's name, then: relman resume", remote, branch));
  std::string sha = git::oid_str(oid);
  ctx.log->line(fmt::format("fetched {}/{}: {}", remote, branch, sha));
  return sha;
}

std::string cherry_pick_line(const std::string& full_sha) { return "(cherry picked from commit " + full_sha + ")"; }

namespace {

bool is_trailer_line(const std::string& line) {
  static const std::regex trailer(R"(^[A-Za-z0-9-]+: .*$)");
  return std::regex_match(line, trailer) || line.rfind("(cherry picked from commit ", 0) == 0;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

}  // namespace

std::string with_cherry_pick_line(const std::string& message, const std::string& full_sha) {
  std::string msg = message;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  auto lines = lines_of(msg);
  // The last paragraph is a trailer block when every line in it is one, and
  // it is not the subject line itself.
  bool trailers = false;
  if (lines.size() > 1) {
    size_t i = lines.size();
    while (i > 0 && !lines[i - 1].empty()) --i;
    if (i > 0) {
      trailers = true;
      for (size_t j = i; j < lines.size(); ++j)
        if (!is_trailer_line(lines[j])) trailers = false;
    }
  }
  return msg + (trailers ? "\n" : "\n\n") + cherry_pick_line(full_sha) + "\n";
}

namespace {

template <typename F>
void walk(git_repository* repo, const git_oid& from, int limit, F&& each) {
  git_revwalk* raw = nullptr;
  git::check(git_revwalk_new(&raw, repo), "cannot walk the history");
  git::Revwalk rw(raw);
  git_revwalk_sorting(rw.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  git::check(git_revwalk_push(rw.get(), &from), "cannot walk the history");
  git_oid oid;
  for (int n = 0; n < limit && git_revwalk_next(&oid, rw.get()) == 0; ++n) {
    auto c = git::lookup_commit(repo, oid);
    each(oid, git_commit_message(c.get()));
  }
}

std::vector<std::string> picked_shas(const char* message) {
  static const std::regex line(R"(\(cherry picked from commit ([0-9a-f]{40})\))");
  std::vector<std::string> out;
  std::string msg = message ? message : "";
  for (std::sregex_iterator it(msg.begin(), msg.end(), line), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

}  // namespace

std::set<std::string> cherry_picked_in_history(git_repository* repo, const git_oid& from, int limit) {
  std::set<std::string> out;
  walk(repo, from, limit, [&](const git_oid&, const char* msg) {
    for (auto& s : picked_shas(msg)) out.insert(s);
  });
  return out;
}

std::vector<std::string> commits_carrying(git_repository* repo, const git_oid& from,
                                          const std::vector<std::string>& originals, int limit) {
  std::map<std::string, std::string> by_original;
  walk(repo, from, limit, [&](const git_oid& oid, const char* msg) {
    for (auto& s : picked_shas(msg)) by_original.emplace(s, git::oid_str(oid));
  });
  std::vector<std::string> out;
  for (const auto& o : originals)
    if (auto it = by_original.find(o); it != by_original.end()) out.push_back(it->second);
  return out;
}

std::string conflict_message(const StepContext& ctx, const std::string& what, const std::vector<std::string>& paths,
                             const std::string& abort_command) {
  return fmt::format(
      "{} stopped on conflicts in: {}.\n"
      "The repository {} is left in the conflicted state. Either resolve the conflicts in {}, `git add` them, "
      "then: relman resume\n"
      "or give up on it with `{}` and then: relman retry {}",
      what, fmt::join(paths, ", "), ctx.repo.string(), fmt::join(paths, " "), abort_command, ctx.step_id);
}

void write_merge_msg(git_repository* repo, const std::string& message) {
  durable::write_atomic(std::filesystem::path(git_repository_path(repo)) / "MERGE_MSG", message);
}

std::string prettify_message(const std::string& message) {
  git::ensure_init();
  git::Buf buf;
  git::check(git_message_prettify(&buf.buf, message.c_str(), 0, 0), "invalid commit message");
  return buf.str();
}

}  // namespace relman::steps
