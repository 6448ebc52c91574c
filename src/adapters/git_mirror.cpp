#include "adapters/git_mirror.h"

#include "adapters/durable.h"
#include "adapters/git.h"

namespace relman::git {

namespace {

std::string last_error(const char* fallback) {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : fallback;
}

// The one fetch: `refspecs` from `remote`, no progress callbacks. Returns
// libgit2's result code.
int fetch_into(git_remote* remote, const std::vector<std::string>& refspecs, Tags tags) {
  StrArrayView specs(refspecs);
  // The _init functions, not the INIT macros: clang flags the macros' missing
  // field initializers (-Wmissing-field-initializers).
  git_fetch_options fo;
  git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
  if (tags == Tags::refspecs_only) fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  return git_remote_fetch(remote, specs.get(), &fo, nullptr);
}

Config config_of(git_repository* repo) {
  git_config* raw = nullptr;
  check(git_repository_config(&raw, repo),
        "cannot read the configuration of " + std::string(git_repository_path(repo)));
  return Config(raw);
}

}  // namespace

bool is_bare(const std::filesystem::path& repo) { return git_repository_is_bare(open(repo).get()) == 1; }

std::filesystem::path work_tree(const std::filesystem::path& repo) {
  Repository r = open(repo);  // owns the string git_repository_workdir returns
  const char* dir = git_repository_workdir(r.get());
  return dir ? std::filesystem::path(dir) : std::filesystem::path();
}

std::optional<std::string> checked_out_branch(const std::filesystem::path& repo) {
  Repository r = open(repo);
  git_reference* head = nullptr;
  if (git_repository_head(&head, r.get()) != 0) return std::nullopt;
  Reference h(head);
  if (!git_reference_is_branch(h.get())) return std::nullopt;
  return std::string(git_reference_shorthand(h.get()));
}

std::vector<NamedRemote> remotes(const std::filesystem::path& repo) {
  Repository r = open(repo);
  StrArray names;
  check(git_remote_list(&names.arr, r.get()), "cannot list the remotes of " + repo.string());
  std::vector<NamedRemote> out;
  for (const auto& name : names.strings()) {
    git_remote* raw = nullptr;
    if (git_remote_lookup(&raw, r.get(), name.c_str()) < 0) continue;
    Remote rem(raw);
    const char* url = git_remote_url(rem.get());
    out.push_back({name, url ? url : ""});
  }
  return out;
}

std::map<std::string, std::string> list_refs(const std::filesystem::path& repo) {
  Repository r = open(repo);
  std::map<std::string, std::string> out;
  git_reference_iterator* raw = nullptr;
  if (git_reference_iterator_new(&raw, r.get()) < 0) return out;
  std::unique_ptr<git_reference_iterator, Deleter<git_reference_iterator, git_reference_iterator_free>> it(raw);
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it.get()) == 0) {
    Reference owned(ref);
    git_reference* resolved = nullptr;
    if (git_reference_resolve(&resolved, owned.get()) == 0) {
      Reference target(resolved);
      out[git_reference_name(owned.get())] = oid_str(*git_reference_target(target.get()));
    }
  }
  return out;
}

void clone_local(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& branch) {
  ensure_init();
  git_clone_options co;
  git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
  co.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (!branch.empty()) co.checkout_branch = branch.c_str();
  co.local = GIT_CLONE_LOCAL;
  git_repository* raw = nullptr;
  check(git_clone(&raw, from.c_str(), to.c_str(), &co), "cannot clone " + from.string() + " into " + to.string());
  Repository cloned(raw);
}

void init_bare(const std::filesystem::path& path, const std::filesystem::path& borrow_from) {
  ensure_init();
  git_repository* raw = nullptr;
  check(git_repository_init(&raw, path.c_str(), 1), "cannot create a bare repository at " + path.string());
  Repository made(raw);
  if (borrow_from.empty()) return;
  // The common directory: a linked worktree's objects are its main one's.
  const auto objects =
      std::filesystem::absolute(std::filesystem::path(git_repository_commondir(open(borrow_from).get())) / "objects");
  const auto info = std::filesystem::path(git_repository_path(made.get())) / "objects" / "info";
  std::filesystem::create_directories(info);
  durable::write_atomic(info / "alternates", objects.lexically_normal().string() + "\n");
}

void add_remote(const std::filesystem::path& repo, const std::string& name, const std::string& url) {
  Repository r = open(repo);
  git_remote* raw = nullptr;
  check(git_remote_create(&raw, r.get(), name.c_str(), url.c_str()), "cannot add the remote " + name);
  Remote made(raw);
}

void delete_remote(const std::filesystem::path& repo, const std::string& name) {
  check(git_remote_delete(open(repo).get(), name.c_str()), "cannot delete the remote " + name);
}

void fetch_remote(const std::filesystem::path& repo, const std::string& remote,
                  const std::vector<std::string>& refspecs, Tags tags, const std::string& what) {
  Repository r = open(repo);
  git_remote* raw = nullptr;
  check(git_remote_lookup(&raw, r.get(), remote.c_str()), what);
  Remote rem(raw);
  check(fetch_into(rem.get(), refspecs, tags), what);
}

std::string try_fetch_url(const std::filesystem::path& repo, const std::string& url,
                          const std::vector<std::string>& refspecs, Tags tags) {
  Repository r = open(repo);
  git_remote* raw = nullptr;
  if (git_remote_create_anonymous(&raw, r.get(), url.c_str()) != 0) return last_error("invalid URL");
  Remote rem(raw);
  if (fetch_into(rem.get(), refspecs, tags) == 0) return {};
  return last_error("fetch failed");
}

void copy_config(const std::filesystem::path& from, const std::filesystem::path& to,
                 const std::vector<std::string>& keys) {
  Repository src = open(from);
  Repository dst = open(to);
  Config scfg = config_of(src.get());
  Config dcfg = config_of(dst.get());
  for (const auto& key : keys) {
    Buf value;
    if (git_config_get_string_buf(&value.buf, scfg.get(), key.c_str()) < 0) continue;
    const std::string v = value.str();
    if (!v.empty())
      check(git_config_set_string(dcfg.get(), key.c_str(), v.c_str()), "cannot set " + key + " in " + to.string());
  }
}

}  // namespace relman::git
