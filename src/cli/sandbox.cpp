#include "cli/sandbox.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <stdexcept>

#include "adapters/durable.h"
#include "adapters/git_mirror.h"
#include "adapters/process.h"
#include "core/errors.h"

namespace relman::cli {

namespace fs = std::filesystem;

nlohmann::json SandboxInfo::describe() const {
  nlohmann::json r = nlohmann::json::object();
  for (const auto& [name, rem] : remotes)
    r[name] = {{"url", rem.url}, {"mirror", rem.mirror.string()}, {"before", rem.before}};
  return {{"root", root.string()},
          {"workspace", workspace.string()},
          {"gnupghome", gnupghome.string()},
          {"signing_key", signing_key},
          {"remotes", r},
          {"targets", targets}};
}

SandboxInfo SandboxInfo::from_json(const nlohmann::json& j) {
  SandboxInfo sb;
  sb.root = j.value("root", "");
  sb.workspace = j.value("workspace", "");
  sb.gnupghome = j.value("gnupghome", "");
  sb.signing_key = j.value("signing_key", "");
  const nlohmann::json remotes = j.value("remotes", nlohmann::json::object());
  for (auto it = remotes.begin(); it != remotes.end(); ++it) {
    const nlohmann::json& r = it.value();
    Remote rem;
    rem.url = r.value("url", "");
    rem.mirror = r.value("mirror", "");
    const nlohmann::json before = r.value("before", nlohmann::json::object());
    for (auto b = before.begin(); b != before.end(); ++b) rem.before[b.key()] = b.value().get<std::string>();
    sb.remotes[it.key()] = rem;
  }
  const nlohmann::json targets = j.value("targets", nlohmann::json::object());
  for (auto it = targets.begin(); it != targets.end(); ++it)
    if (it.value().is_string()) sb.targets[it.key()] = it.value().get<std::string>();
  return sb;
}

Sandbox step_sandbox(const SandboxInfo& sb) {
  Sandbox out;
  out.root = sb.root;
  out.uploads = sb.root / "uploads";
  out.outbox = sb.root / "outbox";
  out.mirrors = sb.root / "remotes";
  out.signing_key = sb.signing_key;
  for (const auto& [name, rem] : sb.remotes) out.remotes[name] = rem.mirror;
  for (const auto& [target, key] : sb.targets)
    if (auto it = sb.remotes.find(key); it != sb.remotes.end()) out.remotes[target] = it->second.mirror;
  return out;
}

namespace {

// Every branch and tag, as a remote's bare mirror holds them.
const std::vector<std::string> all_branches_and_tags = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};

// A bare mirror of `remote` of `src`: fetched from the real URL (a read), or
// when that fails (offline), made from what `src` knows of the remote. It
// borrows `src`'s objects, so only what `src` lacks is copied: on CPython's
// tree two mirrors took 10 s of a rehearsal's start when each copied all.
void make_mirror(const fs::path& src, const std::string& remote_name, const std::string& url, const fs::path& mirror) {
  git::init_bare(mirror, src);
  if (git::try_fetch_url(mirror, url, all_branches_and_tags, git::Tags::refspecs_only).empty()) return;
  // Offline: the remote-tracking refs of the real repository, and its tags.
  const std::string why = git::try_fetch_url(
      mirror, src.string(), {fmt::format("+refs/remotes/{}/*:refs/heads/*", remote_name), "+refs/tags/*:refs/tags/*"},
      git::Tags::refspecs_only);
  if (!why.empty())
    throw std::runtime_error(
        fmt::format("cannot mirror remote '{}' ({}) from the local repository: {}", remote_name, url, why));
}

// Maps every remote a push step names to a mirror: a named remote to its
// own; a path or URL that spells one of the repository's remotes to that
// one's; any other path or URL to a new mirror read from it. What cannot
// be mapped stops the rehearsal before its first step.
void map_push_targets(SandboxInfo& sb, const fs::path& repo, const std::vector<RemoteUse>& pushes) {
  const fs::path cwd = fs::current_path();
  std::map<std::string, std::string> by_url;  // normalized URL -> key in sb.remotes
  for (const auto& [name, rem] : sb.remotes) by_url.emplace(normalize_remote(rem.url, repo), name);
  int n = 0;
  for (const auto& use : pushes) {
    if (sb.targets.count(use.target)) continue;
    const RemoteForm form = classify_remote(use.target);
    if (form == RemoteForm::name) {
      if (!sb.remotes.count(use.target))
        throw ConfigError({{use.where, fmt::format("step '{}' pushes to the remote '{}', which {} does not have (see "
                                                   "`git remote -v`): add it with `git remote add {} URL`, or name "
                                                   "one it has",
                                                   use.step, use.target, repo.string(), use.target)}});
      sb.targets[use.target] = use.target;
      continue;
    }
    const std::string norm = normalize_remote(use.target, cwd);
    if (auto it = by_url.find(norm); it != by_url.end()) {
      sb.targets[use.target] = it->second;
      continue;
    }
    SandboxInfo::Remote info;
    info.url = use.target;
    do info.mirror = sb.root / "remotes" / fmt::format("target-{}.git", ++n);
    while (fs::exists(info.mirror));
    const auto local = remote_local_path(use.target, cwd);
    git::init_bare(info.mirror);
    std::string why = git::try_fetch_url(info.mirror, local.empty() ? use.target : local.string(),
                                         all_branches_and_tags, git::Tags::refspecs_only);
    if (!why.empty())
      throw ConfigError(
          {{use.where,
            fmt::format(
                "step '{}' pushes to '{}' ({}), which a rehearsal cannot stand in for: it is not a remote of {} and "
                "reading "
                "it failed ({}). A rehearsal pushes only into mirrors it makes before the first step, so it did not "
                "start. Add it as a remote (git remote add NAME {}) and push to NAME, make it readable from here, or "
                "leave the step out (--skip {})",
                use.step, use.target, to_string(form), repo.string(), why, use.target, use.step)}});
    info.before = git::list_refs(info.mirror);
    sb.remotes[use.target] = info;
    sb.targets[use.target] = use.target;
    by_url[norm] = use.target;
  }
}

std::string make_throwaway_key(const fs::path& home) {
  process::Spec spec;
  spec.env["GNUPGHOME"] = home.string();
  spec.capture = true;
  spec.argv = {"gpg",
               "--batch",
               "--pinentry-mode",
               "loopback",
               "--passphrase",
               "",
               "--quick-gen-key",
               "relman rehearsal key <rehearsal@relman.invalid>",
               "ed25519",
               "sign",
               "1d"};
  auto r = process::run(spec);
  if (!r.ok()) throw ConfigError("cannot make the rehearsal's throwaway GPG key: " + r.output);
  spec.argv = {"gpg", "--batch", "--with-colons", "--list-secret-keys"};
  r = process::run(spec);
  std::string fpr;
  size_t pos = r.output.find("\nfpr:");
  if (pos != std::string::npos) {
    size_t start = r.output.find_first_not_of(':', pos + 5);
    size_t end = r.output.find(':', start);
    fpr = r.output.substr(start, end - start);
  }
  return fpr;
}

}  // namespace

SandboxInfo make_sandbox(const fs::path& repo, const fs::path& root, const Options& o,
                         const std::vector<RemoteUse>& pushes) {
  SandboxInfo sb;
  sb.root = root;
  sb.workspace = root / "workspace";
  durable::create_directories_durable(root / "remotes");
  durable::create_directories_durable(root / "uploads");
  durable::create_directories_durable(root / "outbox");
  if (git::is_bare(repo))
    throw ConfigError(
        fmt::format("--repo {} is a bare repository; give the release manager's working clone", repo.string()));
  const fs::path work_tree = git::work_tree(repo);

  // The workspace: a local clone of the committed state, on the same branch.
  git::clone_local(work_tree, sb.workspace, git::checked_out_branch(repo).value_or(""));
  // Local branches and tags of the real repository exist in the clone too,
  // so a rehearsal may release from any of them.
  git::fetch_remote(sb.workspace, "origin", {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"},
                    git::Tags::as_configured, "cannot fetch tags into the sandbox");
  git::delete_remote(sb.workspace, "origin");

  for (const auto& [name, url] : git::remotes(repo)) {
    SandboxInfo::Remote info;
    info.url = url;
    info.mirror = root / "remotes" / (name + ".git");
    make_mirror(work_tree, name, info.url, info.mirror);
    info.before = git::list_refs(info.mirror);
    git::add_remote(sb.workspace, name, info.mirror.string());
    // Remote-tracking refs as the real clone has them (from the mirror).
    git::fetch_remote(sb.workspace, name, {fmt::format("+refs/heads/*:refs/remotes/{}/*", name)},
                      git::Tags::as_configured, "cannot fetch the mirror of " + name);
    sb.remotes[name] = info;
  }
  map_push_targets(sb, work_tree, pushes);

  // The release manager's identity, as the real repository has it.
  git::copy_config(repo, sb.workspace, {"user.name", "user.email", "user.signingkey"});

  if (!o.sign_with.empty()) {
    sb.signing_key = o.sign_with;
  } else {
    // gpg-agent's socket path must stay short: the keyring lives in /tmp.
    char tmpl[] = "/tmp/relman-gpg-XXXXXX";
    if (!::mkdtemp(tmpl)) throw ConfigError("cannot create a directory for the rehearsal's GPG key");
    sb.gnupghome = tmpl;
    fs::permissions(sb.gnupghome, fs::perms::owner_all, fs::perm_options::replace);
    sb.signing_key = make_throwaway_key(sb.gnupghome);
    process::Spec spec;
    spec.env["GNUPGHOME"] = sb.gnupghome.string();
    spec.capture = true;
    spec.argv = {"gpg", "--batch", "--armor", "--export", sb.signing_key};
    auto r = process::run(spec);
    durable::create_directories_durable(root.parent_path() / "artifacts");
    durable::write_atomic(root.parent_path() / "artifacts" / "rehearsal-signing-key.asc", r.output);
  }
  enter_sandbox(sb);
  return sb;
}

void enter_sandbox(const SandboxInfo& sb) {
  if (!sb.gnupghome.empty()) ::setenv("GNUPGHOME", sb.gnupghome.c_str(), 1);
}

void leave_sandbox(const SandboxInfo& sb) {
  if (sb.gnupghome.empty() || !fs::exists(sb.gnupghome)) return;
  process::Spec spec;
  spec.argv = {"gpgconf", "--homedir", sb.gnupghome.string(), "--kill", "gpg-agent"};
  spec.capture = true;
  try {
    process::run(spec);
  } catch (const std::exception&) {
    // No gpgconf: the agent ends with the session; nothing to do.
  }
}

std::vector<std::string> sandbox_changes(const SandboxInfo& sb) {
  std::vector<std::string> out;
  for (const auto& [name, rem] : sb.remotes) {
    std::error_code ec;
    if (!fs::exists(rem.mirror, ec)) continue;
    auto after = git::list_refs(rem.mirror);
    std::vector<std::string> lines;
    for (const auto& [ref, sha] : after) {
      auto it = rem.before.find(ref);
      if (it == rem.before.end()) lines.push_back(fmt::format("    {} (new) -> {}", ref, sha.substr(0, 12)));
      else if (it->second != sha)
        lines.push_back(fmt::format("    {} {}..{}", ref, it->second.substr(0, 12), sha.substr(0, 12)));
    }
    for (const auto& [ref, sha] : rem.before)
      if (!after.count(ref)) lines.push_back(fmt::format("    {} (deleted)", ref));
    const std::string shown = name == rem.url ? name : fmt::format("{} ({})", name, rem.url);
    out.push_back(fmt::format("  remote {}: {}", shown, lines.empty() ? "no change" : ""));
    for (auto& l : lines) out.push_back(l);
  }
  auto list_dir = [&](const fs::path& dir, const std::string& title) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it)
      if (it->is_regular_file()) files.push_back(fs::relative(it->path(), dir).string());
    std::sort(files.begin(), files.end());
    out.push_back(fmt::format("  {}: {}", title, files.empty() ? "none" : std::to_string(files.size())));
    for (const auto& f : files) out.push_back("    " + f);
  };
  list_dir(sb.root / "uploads", "uploads (by target host)");
  list_dir(sb.root / "outbox", "messages (outbox)");
  // What the stand-in logged would be public in Rekor, for good.
  std::error_code ec;
  if (fs::exists(sb.root / "sigstore" / "log.json", ec)) {
    try {
      auto log = nlohmann::json::parse(durable::read_file(sb.root / "sigstore" / "log.json"));
      out.push_back(
          fmt::format("  Sigstore transparency log entries (stand-in; public in a real run): {}", log.size()));
      for (const auto& e : log) out.push_back("    sha256 " + e.value("sha256", std::string()));
    } catch (const std::exception& e) {
      out.push_back(fmt::format("  Sigstore stand-in log unreadable: {}", e.what()));
    }
  }
  return out;
}

}  // namespace relman::cli
