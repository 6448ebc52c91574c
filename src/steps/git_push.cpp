// git.push: publish the release branch and tag. Prints what will change
// first (as `git push --dry-run` does) and refuses non-fast-forwards.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/git_ops.h"
#include "adapters/git_remote.h"
#include "core/errors.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

const std::string zeros(40, '0');

struct Update {
  std::string src;     // local ref, full name
  std::string dst;     // remote ref, full name
  std::string target;  // sha the remote ref should end at
  bool force = false;
};

std::string full_name(git_repository* repo, const std::string& name) {
  if (name == "HEAD" || name.rfind("refs/", 0) == 0) return name;
  git_reference* raw = nullptr;
  if (git_reference_dwim(&raw, repo, name.c_str()) != 0)
    throw StepError(fmt::format("no local branch or tag '{}' to push; check the name (git show-ref)", name));
  git::Reference r(raw);
  return git_reference_name(raw);
}

std::vector<Update> plan(const StepContext& ctx, git_repository* repo) {
  std::vector<std::string> specs = ctx.list("refs");
  for (const auto& t : ctx.list("tags")) specs.push_back("refs/tags/" + t);
  if (specs.empty()) throw StepError("nothing to push: give 'refs' and/or 'tags'");
  std::vector<Update> out;
  for (auto spec : specs) {
    Update u;
    if (!spec.empty() && spec[0] == '+') {
      u.force = true;
      spec.erase(0, 1);
    }
    auto colon = spec.find(':');
    std::string src = colon == std::string::npos ? spec : spec.substr(0, colon);
    std::string dst = colon == std::string::npos ? "" : spec.substr(colon + 1);
    u.src = full_name(repo, src);
    if (dst.empty()) {
      if (u.src == "HEAD") throw StepError("push HEAD as HEAD:refs/heads/<branch>");
      dst = u.src;
    } else if (dst.rfind("refs/", 0) != 0) {
      dst = (u.src.rfind("refs/tags/", 0) == 0 ? "refs/tags/" : "refs/heads/") + dst;
    }
    u.dst = dst;
    git_oid oid;
    git::check(git_reference_name_to_id(&oid, repo, u.src.c_str()), "cannot resolve " + u.src);
    u.target = git::oid_str(oid);
    out.push_back(u);
  }
  return out;
}

std::string short_sha(const std::string& s) { return s.substr(0, 10); }

class GitPush : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {
        {"remote", ParamType::string, false, "remote name or URL; default origin"},
        {"refs", ParamType::string_or_list, false, "branches or refspecs (src:dst, +src:dst to force)"},
        {"tags", ParamType::string_or_list, false, "tag names"},
        {"token_env", ParamType::string, false, "https: environment variable holding the token; default GITHUB_TOKEN"}};
  }
  std::vector<std::string> outputs() const override { return {"remote", "updated"}; }

  json run(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    std::string remote_name = ctx.str("remote", "origin");
    auto updates = plan(ctx, repo.get());
    git::RemoteAuth auth = make_auth(ctx);
    git::Remote remote = open(ctx, repo.get(), remote_name);
    std::map<std::string, std::string> advertised;
    try {
      advertised = git::list_remote_refs(remote.get(), auth);
    } catch (const std::exception& e) {
      throw StepError(
          fmt::format("{}; check the network, the remote URL and your credentials, then: "
                      "relman resume",
                      e.what()));
    }
    std::vector<std::string> specs, updated, rejected, lines;
    json targets = json::object();
    for (const auto& u : updates) {
      auto it = advertised.find(u.dst);
      std::string old = it == advertised.end() ? zeros : it->second;
      targets[u.dst] = u.target;
      std::string arrow = u.src + " -> " + u.dst;
      if (old == u.target) {
        lines.push_back(fmt::format(" = [up to date]      {}", arrow));
        continue;
      }
      if (old == zeros) {
        bool tag = u.dst.rfind("refs/tags/", 0) == 0;
        lines.push_back(fmt::format(" * {:<18} {}", tag ? "[new tag]" : "[new branch]", arrow));
      } else if (!u.force) {
        if (auto why = refusal(repo.get(), u, old); !why.empty()) {
          lines.push_back(fmt::format(" ! [rejected]        {} ({})", arrow, why));
          rejected.push_back(
              fmt::format("{}: {} (remote {}, local {})", u.dst, why, short_sha(old), short_sha(u.target)));
          continue;
        }
        lines.push_back(fmt::format("   {}..{}  {}", short_sha(old), short_sha(u.target), arrow));
      } else {
        lines.push_back(fmt::format(" + {}...{} {} (forced update)", short_sha(old), short_sha(u.target), arrow));
      }
      specs.push_back((u.force ? "+" : "") + u.src + ":" + u.dst);
      updated.push_back(fmt::format("{} {}..{}", u.dst, old, u.target));
    }
    ctx.log->line(fmt::format("To {}", git_remote_url(remote.get())));
    for (const auto& l : lines) {
      ctx.log->line(l);
      ctx.progress(l);
    }
    if (!rejected.empty())
      throw StepError(fmt::format(
          "the remote {} would refuse:\n  {}\nNothing was pushed. A non-fast-forward means the remote "
          "has commits the local branch lacks (a backport landed meanwhile): fetch them and merge them in "
          "(git fetch {} && git merge {}/BRANCH), check the result, then: relman resume. Do not rebase: that "
          "would rewrite commits already tagged and pushed. A tag that already exists elsewhere must not be "
          "moved silently: find out why before deleting it on the remote.",
          remote_name, fmt::join(rejected, "\n  "), remote_name, remote_name));
    if (specs.empty()) {
      ctx.log->line("everything is up to date");
      return {{"remote", remote_name}, {"updated", json::array()}};
    }
    ctx.save_checkpoint({{"targets", targets}, {"updated", updated}});
    std::map<std::string, std::string> refused;
    try {
      refused = git::push(remote.get(), specs, auth);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}; fix the cause, then: relman resume", e.what()));
    }
    if (!refused.empty()) {
      std::vector<std::string> why;
      for (const auto& [ref, status] : refused) why.push_back(ref + ": " + status);
      throw StepError(
          fmt::format("the remote {} refused:\n  {}\nFix the cause (a non-fast-forward: "
                      "fetch and merge first, never rebase a tagged commit; a protected branch: ask for access), then: "
                      "relman resume",
                      remote_name, fmt::join(why, "\n  ")));
    }
    ctx.log->line(fmt::format("pushed {} ref(s) to {}", specs.size(), remote_name));
    return {{"remote", remote_name}, {"updated", updated}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto repo = steps::open_repo(ctx);
    std::string remote_name = ctx.str("remote", "origin");
    json targets = ctx.checkpoint.value("targets", json::object());
    if (targets.empty())
      for (const auto& u : plan(ctx, repo.get())) targets[u.dst] = u.target;
    std::map<std::string, std::string> advertised;
    try {
      auto remote = open(ctx, repo.get(), remote_name);
      advertised = git::list_remote_refs(remote.get(), make_auth(ctx));
    } catch (const std::exception& e) {
      return {ProbeResult::unknown, json::object(), std::string("cannot list the remote's refs: ") + e.what()};
    }
    std::vector<std::string> behind;
    for (const auto& [ref, sha] : targets.items()) {
      auto it = advertised.find(ref);
      if (it == advertised.end() || it->second != sha.get<std::string>()) behind.push_back(ref);
    }
    if (!behind.empty())
      return {ProbeResult::not_done, json::object(), fmt::format("not yet on the remote: {}", fmt::join(behind, ", "))};
    return {ProbeResult::done,
            {{"remote", remote_name}, {"updated", ctx.checkpoint.value("updated", json::array())}},
            "the remote's refs are at their targets"};
  }

 private:
  static git::RemoteAuth make_auth(StepContext& ctx) {
    git::RemoteAuth auth;
    auth.token_env = ctx.str("token_env", "GITHUB_TOKEN");
    auth.on_secret = [&ctx](const std::string& s) { ctx.add_secret(s); };
    return auth;
  }

  static git::Remote open(const StepContext& ctx, git_repository* repo, const std::string& name) {
    if (ctx.mode == RunMode::rehearse) return steps::open_sandbox_remote(ctx, repo, name);
    try {
      return git::open_remote(repo, name);
    } catch (const std::exception& e) {
      throw StepError(fmt::format("{}", e.what()));
    }
  }

  // Why the remote would refuse moving `u.dst` from `old` (empty: it would not).
  static std::string refusal(git_repository* repo, const Update& u, const std::string& old) {
    if (u.dst.rfind("refs/tags/", 0) == 0) return "the tag already exists on the remote at another object";
    git_oid old_oid, new_oid;
    git_oid_fromstr(&old_oid, old.c_str());
    git_oid_fromstr(&new_oid, u.target.c_str());
    git_odb* raw = nullptr;
    git::check(git_repository_odb(&raw, repo), "cannot open the object database");
    git::Odb odb(raw);
    if (!git_odb_exists(odb.get(), &old_oid))
      return "non-fast-forward: the remote has commits you do not have (fetch first)";
    if (!git::is_ancestor(repo, old_oid, new_oid)) return "non-fast-forward";
    return {};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(GitPush, "git.push");
}  // namespace relman::steps
