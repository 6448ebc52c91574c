// SFTP through libssh2: the host key checked against known_hosts (an unknown
// or changed key is refused, never trusted on first use), login with a key
// file or the ssh agent, and the few file operations a release needs on the
// downloads server (stat, read, write under a temporary name, rename, chmod,
// chgrp, list).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relman::sftp {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What an sftp:// URL names: sftp://[user@]host[:port]/path.
struct Target {
  std::string user;  // empty: $USER
  std::string host;
  int port = 22;
  std::string path;  // absolute, percent-decoded
};
Target parse_url(const std::string& url);

struct Login {
  // Private key file; its public half is `key_file` + ".pub" when that
  // exists. Empty: the ssh agent ($SSH_AUTH_SOCK).
  std::filesystem::path key_file;
  std::filesystem::path known_hosts;
  std::chrono::milliseconds timeout{30000};
};
// The key file from `param` (a workflow's `key`), else $RELMAN_SSH_KEY; the
// known_hosts from $RELMAN_SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts: the same
// files libcurl's sftp and `relman doctor` use.
Login login_from_env(const std::string& param = {});

struct Stat {
  std::uint64_t size = 0;
  unsigned mode = 0;  // permission bits only
  unsigned gid = 0;
  bool directory = false;
};

class Session {
 public:
  // Connects, checks the host key, logs in and opens the SFTP channel.
  // Throws Error saying which of these failed and what to do.
  Session(const Target& target, const Login& login);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Nothing when the path does not exist.
  std::optional<Stat> stat(const std::string& path);
  // Hex sha256 of a remote file's bytes (read over the channel).
  std::string sha256(const std::string& path);
  // Streams a remote file's bytes to `sink`, a chunk at a time.
  void read(const std::string& path, const std::function<void(std::string_view)>& sink);
  // Writes `local` to `remote` (created or truncated, mode 0600 until the
  // caller sets the final one); `progress` gets bytes done / total.
  void write(const std::filesystem::path& local, const std::string& remote,
             const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
  // Copies a remote file to another remote path over the channel (SFTP has
  // no server-side copy; the bytes come down and go back up). `to` is
  // created or truncated with mode 0600 until the caller sets the final one.
  void copy(const std::string& from, const std::string& to);
  // Replaces `to` atomically when the server supports posix-rename, else
  // removes `to` first.
  void rename(const std::string& from, const std::string& to);
  void remove(const std::string& path);
  void chmod(const std::string& path, unsigned mode);
  // A numeric gid is set through SFTP; a group name runs `chgrp` on the
  // server, as release-tools does (SFTP carries numbers only).
  void chgrp(const std::string& path, const std::string& group);
  // Creates each missing directory of `dir` with `mode`.
  void mkdirs(const std::string& dir, unsigned mode);
  // Entry names in `dir` (no "." or ".."); throws when `dir` is absent.
  std::vector<std::string> list(const std::string& dir);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relman::sftp
