#include "adapters/git_remote.h"

#include <cstdlib>
#include <stdexcept>

#include "adapters/durable.h"
#include "adapters/git_known_hosts.h"

namespace relman::git {

namespace {

// State shared with libgit2's callbacks for one connection.
struct CallbackState {
  const RemoteAuth* auth = nullptr;
  int ssh_attempt = 0;
  bool token_tried = false;
  std::map<std::string, std::string> rejected;
  std::string host_error;  // why a host key was refused, for the exception
};

std::filesystem::path ssh_dir(const RemoteAuth& auth) {
  if (!auth.ssh_dir.empty()) return auth.ssh_dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/") / ".ssh";
}

int credentials_cb(git_credential** out, const char* /*url*/, const char* username_from_url, unsigned int allowed,
                   void* payload) {
  auto* st = static_cast<CallbackState*>(payload);
  std::string user = username_from_url && *username_from_url ? username_from_url : "git";
  if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user.c_str());
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    // Each call is one attempt after the previous one failed: agent, then
    // the usual key files, then give up instead of looping forever.
    while (st->ssh_attempt < 3) {
      int attempt = st->ssh_attempt++;
      if (attempt == 0) {
        if (std::getenv("SSH_AUTH_SOCK")) return git_credential_ssh_key_from_agent(out, user.c_str());
        continue;
      }
      auto key = ssh_dir(*st->auth) / (attempt == 1 ? "id_ed25519" : "id_rsa");
      if (!std::filesystem::exists(key)) continue;
      auto pub = key;
      pub += ".pub";
      return git_credential_ssh_key_new(out, user.c_str(), std::filesystem::exists(pub) ? pub.c_str() : nullptr,
                                        key.c_str(), nullptr);
    }
    git_error_set_str(GIT_ERROR_SSH,
                      "ssh authentication failed: no key in ssh-agent or ~/.ssh/id_ed25519, ~/.ssh/id_rsa was "
                      "accepted; add your key to ssh-agent (ssh-add) and retry");
    return GIT_EUSER;
  }
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    const char* token = std::getenv(st->auth->token_env.c_str());
    if (!token || !*token || st->token_tried) {
      git_error_set_str(GIT_ERROR_HTTP,
                        (std::string("https authentication failed: ") +
                         (st->token_tried ? "the token in $" + st->auth->token_env + " was refused"
                                          : "set $" + st->auth->token_env + " to a token allowed to push"))
                            .c_str());
      return GIT_EUSER;
    }
    st->token_tried = true;
    if (st->auth->on_secret) st->auth->on_secret(token);
    return git_credential_userpass_plaintext_new(
        out, username_from_url && *username_from_url ? username_from_url : "x-access-token", token);
  }
  return GIT_PASSTHROUGH;
}

const char* ssh_key_type(git_cert_ssh_raw_type_t t) {
  switch (t) {
    case GIT_CERT_SSH_RAW_TYPE_RSA:
      return "ssh-rsa";
    case GIT_CERT_SSH_RAW_TYPE_DSS:
      return "ssh-dss";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256:
      return "ecdsa-sha2-nistp256";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384:
      return "ecdsa-sha2-nistp384";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521:
      return "ecdsa-sha2-nistp521";
    case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519:
      return "ssh-ed25519";
    default:
      return "";
  }
}

int certificate_cb(git_cert* cert, int /*valid*/, const char* host, void* payload) {
  auto* st = static_cast<CallbackState*>(payload);
  // https: keep libgit2's own verification (an invalid certificate fails).
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;
  auto* hk = reinterpret_cast<git_cert_hostkey*>(cert);
  auto known_hosts = ssh_dir(*st->auth) / "known_hosts";
  std::string h = host ? host : "";
  if (!(hk->type & GIT_CERT_SSH_RAW)) {
    st->host_error = "the ssh server " + h + " did not present a host key relman can check";
  } else if (!std::filesystem::exists(known_hosts)) {
    st->host_error = "cannot check the host key of " + h + ": " + known_hosts.string() +
                     " does not exist; connect once with ssh (ssh -T git@" + h + ") to record it";
  } else {
    auto r = check_known_host(durable::read_file(known_hosts), h, ssh_key_type(hk->raw_type),
                              std::string(hk->hostkey, hk->hostkey_len));
    if (r == HostKeyCheck::match) return 0;
    st->host_error = r == HostKeyCheck::mismatch
                         ? "the host key of " + h + " does NOT match " + known_hosts.string() +
                               ": possible man-in-the-middle; check the key with the hosting service before "
                               "changing known_hosts"
                         : "the host " + h + " is not in " + known_hosts.string() +
                               "; connect once with ssh (ssh -T git@" + h + ") and verify its fingerprint";
  }
  git_error_set_str(GIT_ERROR_SSH, st->host_error.c_str());
  return GIT_ECERTIFICATE;
}

int update_reference_cb(const char* refname, const char* status, void* payload) {
  auto* st = static_cast<CallbackState*>(payload);
  if (status) st->rejected[refname] = status;
  return 0;
}

git_remote_callbacks callbacks(CallbackState& st) {
  git_remote_callbacks cb;
  git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
  cb.credentials = credentials_cb;
  cb.certificate_check = certificate_cb;
  cb.push_update_reference = update_reference_cb;
  cb.payload = &st;
  return cb;
}

// A libgit2 error, with the host-key reason when that was the cause.
[[noreturn]] void fail(const CallbackState& st, const std::string& what) {
  const git_error* e = git_error_last();
  std::string msg =
      what + ": " + (st.host_error.empty() ? (e && e->message ? e->message : "unknown error") : st.host_error);
  throw std::runtime_error(msg);
}

struct Connection {
  git_remote* remote;
  ~Connection() { git_remote_disconnect(remote); }
};

}  // namespace

Remote open_remote(git_repository* repo, const std::string& name_or_url) {
  ensure_init();
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo, name_or_url.c_str()) == 0) return Remote(raw);
  bool looks_like_url = name_or_url.find('/') != std::string::npos || name_or_url.find(':') != std::string::npos;
  if (!looks_like_url)
    throw std::runtime_error("no remote named '" + name_or_url + "' in this repository (see `git remote -v`); " +
                             "add it with `git remote add " + name_or_url + " URL`");
  check(git_remote_create_anonymous(&raw, repo, name_or_url.c_str()), "invalid remote URL '" + name_or_url + "'");
  return Remote(raw);
}

std::optional<std::string> remote_url(git_repository* repo, const std::string& name) {
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo, name.c_str()) != 0) return std::nullopt;
  Remote remote(raw);
  const char* url = git_remote_url(remote.get());
  return std::string(url ? url : "");
}

std::vector<std::string> remote_names(git_repository* repo) {
  git_strarray names{};
  if (git_remote_list(&names, repo) != 0) return {};
  std::vector<std::string> out(names.strings, names.strings + names.count);
  git_strarray_dispose(&names);
  return out;
}

std::string push_url(git_repository* repo, const std::string& name_or_url) {
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo, name_or_url.c_str()) != 0) return name_or_url;
  Remote remote(raw);
  const char* url = git_remote_pushurl(remote.get());
  if (!url) url = git_remote_url(remote.get());
  return url ? url : "";
}

std::map<std::string, std::string> list_remote_refs(git_remote* remote, const RemoteAuth& auth) {
  CallbackState st;
  st.auth = &auth;
  auto cb = callbacks(st);
  if (git_remote_connect(remote, GIT_DIRECTION_PUSH, &cb, nullptr, nullptr) < 0)
    fail(st, std::string("cannot connect to ") + git_remote_url(remote));
  Connection conn{remote};
  const git_remote_head** heads = nullptr;
  size_t n = 0;
  if (git_remote_ls(&heads, &n, remote) < 0) fail(st, std::string("cannot list the refs of ") + git_remote_url(remote));
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < n; ++i) out[heads[i]->name] = oid_str(heads[i]->oid);
  return out;
}

std::map<std::string, std::string> push(git_remote* remote, const std::vector<std::string>& refspecs,
                                        const RemoteAuth& auth) {
  CallbackState st;
  st.auth = &auth;
  git_push_options opts;
  git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
  opts.callbacks = callbacks(st);
  StrArrayView specs(refspecs);
  if (git_remote_push(remote, specs.get(), &opts) < 0)
    fail(st, std::string("push to ") + git_remote_url(remote) + " failed");
  return st.rejected;
}

void fetch(git_remote* remote, const std::vector<std::string>& refspecs, const RemoteAuth& auth) {
  CallbackState st;
  st.auth = &auth;
  git_fetch_options opts;
  git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
  opts.callbacks = callbacks(st);
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  StrArrayView specs(refspecs);
  if (git_remote_fetch(remote, specs.get(), &opts, "relman: fetch") < 0)
    fail(st, std::string("fetch from ") + git_remote_url(remote) + " failed");
}

}  // namespace relman::git
