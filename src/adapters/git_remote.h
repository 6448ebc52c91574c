// Talking to a remote: listing its refs and pushing, with credentials
// (ssh-agent, then ~/.ssh keys; a token from the environment for https) and
// host checks (libgit2's certificate verification for https; known_hosts for
// ssh, which libgit2 1.5 does not check by itself).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/git.h"

namespace relman::git {

struct RemoteAuth {
  std::string token_env = "GITHUB_TOKEN";             // https: the token's environment variable
  std::filesystem::path ssh_dir;                      // default: $HOME/.ssh
  std::function<void(const std::string&)> on_secret;  // called with the token before it is used
};

// The remote named `name_or_url` in `repo`, or an anonymous one for a URL/path.
Remote open_remote(git_repository* repo, const std::string& name_or_url);

// The URL of the remote named `name` ("" when it has none); nullopt when the
// repository has no such remote.
std::optional<std::string> remote_url(git_repository* repo, const std::string& name);

// The names of the repository's remotes.
std::vector<std::string> remote_names(git_repository* repo);

// Where a push to `name_or_url` goes: the remote's pushurl, else its url;
// `name_or_url` itself when the repository has no remote by that name.
std::string push_url(git_repository* repo, const std::string& name_or_url);

// The remote's advertised refs: name -> sha (for annotated tags, the tag object).
std::map<std::string, std::string> list_remote_refs(git_remote* remote, const RemoteAuth& auth);

// Pushes `refspecs`. Returns the refs the remote refused with its reason
// (empty when all were accepted); transport failures throw.
std::map<std::string, std::string> push(git_remote* remote, const std::vector<std::string>& refspecs,
                                        const RemoteAuth& auth);

// Fetches `refspecs` ("+refs/heads/3.12:refs/remotes/upstream/3.12") and the
// objects they need, without tags; transport failures throw.
void fetch(git_remote* remote, const std::vector<std::string>& refspecs, const RemoteAuth& auth);

}  // namespace relman::git
