#include "adapters/git_ops.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace relman::git {

std::optional<std::string> head_branch(git_repository* repo) {
  int detached = check(git_repository_head_detached(repo), "cannot read HEAD");
  if (detached == 1) return std::nullopt;
  git_reference* raw = nullptr;
  int rc = git_repository_head(&raw, repo);
  if (rc == GIT_EUNBORNBRANCH) {
    // HEAD names a branch that has no commit yet: still "on" that branch.
    git_reference* sym = nullptr;
    check(git_reference_lookup(&sym, repo, "HEAD"), "cannot read HEAD");
    Reference owned(sym);
    std::string target = git_reference_symbolic_target(sym);
    const std::string prefix = "refs/heads/";
    return target.rfind(prefix, 0) == 0 ? target.substr(prefix.size()) : target;
  }
  check(rc, "cannot read HEAD");
  Reference head(raw);
  const char* name = nullptr;
  check(git_branch_name(&name, head.get()), "cannot read the name of HEAD's branch");
  return std::string(name);
}

Commit head_commit(git_repository* repo) {
  git_oid oid;
  int rc = git_reference_name_to_id(&oid, repo, "HEAD");
  if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH)
    throw std::runtime_error("HEAD has no commit yet: make a first commit in the repository");
  check(rc, "cannot resolve HEAD");
  return lookup_commit(repo, oid);
}

Commit lookup_commit(git_repository* repo, const git_oid& oid) {
  git_commit* raw = nullptr;
  check(git_commit_lookup(&raw, repo, &oid), "cannot find commit " + oid_str(oid));
  return Commit(raw);
}

Commit lookup_commit(git_repository* repo, const std::string& full_sha) {
  git_oid oid;
  if (git_oid_fromstr(&oid, full_sha.c_str()) < 0) return resolve_commit(repo, full_sha);
  return lookup_commit(repo, oid);
}

Index repository_index(git_repository* repo) {
  git_index* raw = nullptr;
  check(git_repository_index(&raw, repo), "cannot open the repository's index");
  Index index(raw);
  // The repository caches its index; git run by hand may have changed it since.
  check(git_index_read(index.get(), 0), "cannot read the repository's index");
  return index;
}

Signature signature(const std::string& name, const std::string& email) {
  git_signature* raw = nullptr;
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch && *epoch) {
    char* end = nullptr;
    errno = 0;
    long long secs = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || errno != 0 || secs < 0)
      throw std::runtime_error(std::string("SOURCE_DATE_EPOCH is '") + epoch +
                               "', not a number of seconds since 1970: fix or unset it");
    check(git_signature_new(&raw, name.c_str(), email.c_str(), static_cast<git_time_t>(secs), 0),
          "invalid identity '" + name + " <" + email + ">'");
  } else {
    check(git_signature_now(&raw, name.c_str(), email.c_str()), "invalid identity '" + name + " <" + email + ">'");
  }
  return Signature(raw);
}

Signature identity(git_repository* repo, const std::string& name, const std::string& email) {
  if (!name.empty() && !email.empty()) return signature(name, email);
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, repo) < 0)
    throw std::runtime_error(
        "no git identity: set user.name and user.email (git config user.name 'Your Name'; "
        "git config user.email you@example.org) or give author_name and author_email");
  Signature sig(raw);
  // One half given: complete it from the configuration.
  return signature(name.empty() ? sig->name : name, email.empty() ? sig->email : email);
}

git_oid commit_index(git_repository* repo, git_index* index, const std::string& message, const git_signature* author,
                     const git_signature* committer, const std::vector<const git_commit*>& parents) {
  git_oid tree_oid;
  check(git_index_write_tree(&tree_oid, index), "cannot write the index as a tree");
  check(git_index_write(index), "cannot write the index");
  git_tree* raw_tree = nullptr;
  check(git_tree_lookup(&raw_tree, repo, &tree_oid), "cannot read the new tree");
  Tree tree(raw_tree);
  git_oid oid;
  std::vector<const git_commit*> ps = parents;
  check(git_commit_create(&oid, repo, "HEAD", author, committer, nullptr, message.c_str(), tree.get(), ps.size(),
                          ps.data()),
        "cannot create the commit");
  return oid;
}

std::vector<std::string> conflicted_paths(git_index* index) {
  std::set<std::string> paths;
  if (!git_index_has_conflicts(index)) return {};
  git_index_conflict_iterator* raw = nullptr;
  check(git_index_conflict_iterator_new(&raw, index), "cannot list conflicts");
  IndexConflictIterator it(raw);
  const git_index_entry *ancestor = nullptr, *ours = nullptr, *theirs = nullptr;
  while (git_index_conflict_next(&ancestor, &ours, &theirs, it.get()) == 0) {
    const git_index_entry* any = ours ? ours : theirs ? theirs : ancestor;
    if (any) paths.insert(any->path);
  }
  return {paths.begin(), paths.end()};
}

bool is_ancestor(git_repository* repo, const git_oid& ancestor, const git_oid& descendant) {
  if (git_oid_equal(&ancestor, &descendant)) return true;
  return check(git_graph_descendant_of(repo, &descendant, &ancestor), "cannot compare commits") == 1;
}

bool contains(git_repository* repo, const std::string& tip, const std::string& sha) {
  git_oid t{}, s{};
  if (git_oid_fromstr(&t, tip.c_str()) != 0 || git_oid_fromstr(&s, sha.c_str()) != 0) return false;
  if (git_oid_equal(&t, &s)) return true;
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &s) != 0) return false;
  Commit known(raw);
  return git_graph_descendant_of(repo, &t, &s) == 1;
}

std::optional<std::string> branch_sha(git_repository* repo, const std::string& branch) {
  git_reference* raw = nullptr;
  if (git_branch_lookup(&raw, repo, branch.c_str(), GIT_BRANCH_LOCAL) != 0) return std::nullopt;
  Reference ref(raw);
  const git_oid* target = git_reference_target(ref.get());
  if (!target) return std::nullopt;
  return oid_str(*target);
}

std::optional<Upstream> upstream(git_repository* repo, const std::string& branch) {
  const std::string full = "refs/heads/" + branch;
  Buf remote, merge;
  if (git_branch_upstream_remote(&remote.buf, repo, full.c_str()) != 0 ||
      git_branch_upstream_merge(&merge.buf, repo, full.c_str()) != 0)
    return std::nullopt;
  return Upstream{remote.str(), merge.str()};
}

namespace {

// The blob `path` has in `tree`; nullopt when the tree has no file there.
std::optional<git_oid> blob_at(git_tree* tree, const std::string& path) {
  git_tree_entry* raw = nullptr;
  if (git_tree_entry_bypath(&raw, tree, path.c_str()) != 0) return std::nullopt;
  TreeEntry entry(raw);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) return std::nullopt;
  return *git_tree_entry_id(entry.get());
}

// Whether the file at `path` holds the first bytes of the blob `id` (all of
// them, or none): a file the killed checkout had begun to write. Writing
// the blob over it loses nothing, since the blob holds every byte of it.
bool prefix_of_blob(git_repository* repo, const std::string& path, const git_oid& id) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || std::filesystem::is_symlink(path, ec)) return false;
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, repo, &id) != 0) return false;
  Blob blob(raw);
  const auto want = static_cast<std::uintmax_t>(git_blob_rawsize(blob.get()));
  if (size > want) return false;
  std::ifstream in(path, std::ios::binary);
  std::string have(static_cast<size_t>(size), '\0');
  if (!in.read(have.data(), static_cast<std::streamsize>(size))) return false;
  return std::memcmp(have.data(), git_blob_rawcontent(blob.get()), have.size()) == 0;
}

bool same(const std::optional<git_oid>& a, const std::optional<git_oid>& b) {
  if (!a || !b) return !a && !b;
  return git_oid_equal(&*a, &*b) != 0;
}

// Whether every difference between HEAD and the index or the work tree is
// a file of `target` already in place: what a killed checkout leaves.
bool only_target_content(git_repository* repo, git_commit* target) {
  const char* workdir = git_repository_workdir(repo);
  if (!workdir) return false;
  git_tree* raw_target = nullptr;
  if (git_commit_tree(&raw_target, target) != 0) return false;
  Tree target_tree(raw_target);
  Commit head = head_commit(repo);
  git_tree* raw_head = nullptr;
  if (git_commit_tree(&raw_head, head.get()) != 0) return false;
  Tree head_tree(raw_head);

  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  git_status_list* raw_list = nullptr;
  if (git_status_list_new(&raw_list, repo, &opts) != 0) return false;
  StatusList list(raw_list);
  Index index = repository_index(repo);
  const size_t n = git_status_list_entrycount(list.get());
  for (size_t i = 0; i < n; ++i) {
    const git_status_entry* e = git_status_byindex(list.get(), i);
    const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (!d) continue;
    const std::string path = d->new_file.path ? d->new_file.path : d->old_file.path;
    const auto want = blob_at(target_tree.get(), path);
    // The work tree's file, as git would hash it.
    std::optional<git_oid> have;
    const std::string full = std::string(workdir) + path;
    git_oid oid;
    if (git_odb_hashfile(&oid, full.c_str(), GIT_OBJECT_BLOB) == 0) have = oid;
    if (!same(have, want) && !(have && want && prefix_of_blob(repo, full, *want))) return false;
    // A staged entry is HEAD's (the index not yet written) or the target's.
    std::optional<git_oid> staged;
    if (const git_index_entry* ie = git_index_get_bypath(index.get(), path.c_str(), 0)) staged = ie->id;
    if (!same(staged, blob_at(head_tree.get(), path)) && !same(staged, want)) return false;
  }
  return true;
}

}  // namespace

bool checkout_safe(git_repository* repo, git_commit* commit) {
  git_checkout_options opts;
  git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
  opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (git_checkout_tree(repo, reinterpret_cast<git_object*>(commit), &opts) == 0) return false;
  const git_error* e = git_error_last();
  const std::string refused = e && e->message ? e->message : "conflicts prevent checkout";
  if (!only_target_content(repo, commit))
    throw std::runtime_error("cannot check out " + oid_str(*git_commit_id(commit)) +
                             " (local changes would be overwritten: commit or stash them first): " + refused);
  opts.checkout_strategy = GIT_CHECKOUT_FORCE;
  check(git_checkout_tree(repo, reinterpret_cast<git_object*>(commit), &opts),
        "cannot finish the interrupted checkout of " + oid_str(*git_commit_id(commit)));
  return true;
}

std::string summary(git_commit* commit) {
  const char* s = git_commit_summary(commit);
  return s ? s : "";
}

}  // namespace relman::git
