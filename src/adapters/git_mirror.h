// Copies of a repository, named by path: local clones, bare mirrors, fetching
// refs between them, and what refs they hold. For the rehearsal sandbox,
// which decides what to copy where; this file only knows how. No libgit2
// type crosses this header.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relman::git {

struct NamedRemote {
  std::string name;
  std::string url;  // "" when the remote has none
};

// Whether the repository at `repo` is bare.
bool is_bare(const std::filesystem::path& repo);

// The top of the work tree of the repository at (or above) `repo`.
std::filesystem::path work_tree(const std::filesystem::path& repo);

// The branch HEAD is on, or nullopt when HEAD is detached or unborn.
std::optional<std::string> checked_out_branch(const std::filesystem::path& repo);

// The repository's remotes, as `git remote -v` lists them.
std::vector<NamedRemote> remotes(const std::filesystem::path& repo);

// Every ref of the repository, symbolic ones resolved: name -> sha.
std::map<std::string, std::string> list_refs(const std::filesystem::path& repo);

// Clones the work tree at `from` into `to` (a local clone: objects are
// copied or hard-linked, nothing is read over a network), checking out
// `branch` (HEAD's branch when empty) without overwriting anything.
void clone_local(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& branch);

// Creates an empty bare repository at `path`. With `borrow_from`, it reads
// that repository's objects as its own (objects/info/alternates, as `git
// clone --shared` does): a fetch then copies only what `borrow_from` lacks,
// and everything written into `path` stays in `path`.
void init_bare(const std::filesystem::path& path, const std::filesystem::path& borrow_from = {});

void add_remote(const std::filesystem::path& repo, const std::string& name, const std::string& url);
void delete_remote(const std::filesystem::path& repo, const std::string& name);

// Whether a fetch also takes the tags pointing into what it fetched (git's
// default, or what the remote's configuration says) or only the refspecs.
enum class Tags { as_configured, refspecs_only };

// Fetches `refspecs` from the remote named `remote` of `repo`; throws
// "<what>: <libgit2's error>" when that fails.
void fetch_remote(const std::filesystem::path& repo, const std::string& remote,
                  const std::vector<std::string>& refspecs, Tags tags, const std::string& what);

// Fetches `refspecs` from `url` (a URL or a path; a read of it and nothing
// else) into `repo`. Returns libgit2's error, "" when the fetch worked.
std::string try_fetch_url(const std::filesystem::path& repo, const std::string& url,
                          const std::vector<std::string>& refspecs, Tags tags);

// Sets `keys` in `to`'s own configuration to their values in `from`'s (its
// own, global and system files); keys `from` does not set are left alone.
void copy_config(const std::filesystem::path& from, const std::filesystem::path& to,
                 const std::vector<std::string>& keys);

}  // namespace relman::git
