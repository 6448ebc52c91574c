// A real OpenSSH sshd on 127.0.0.1 for one test: a throwaway host key and
// user key, its own authorized_keys and known_hosts, SFTP served by
// internal-sftp, run as the test's own process and killed with it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace relman::test {

class SshServer {
 public:
  // Starts /usr/sbin/sshd -D -e on a free port and waits until it accepts
  // connections; throws (with sshd's log) if it does not come up.
  SshServer();
  ~SshServer();  // SIGKILLs sshd and its sessions, and reaps it
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  // sftp://USER@127.0.0.1:PORT + path (path starts with '/').
  std::string url(const std::string& path) const;
  // The user key the server accepts (its .pub beside it).
  std::filesystem::path user_key() const { return dir_ / "user_key"; }
  // known_hosts holding this server's host key under [127.0.0.1]:PORT.
  std::filesystem::path known_hosts() const { return dir_ / "known_hosts"; }
  // known_hosts holding another key under the same name: a server whose
  // key changed, or a man in the middle.
  std::filesystem::path wrong_known_hosts() const { return dir_ / "wrong_known_hosts"; }
  // A directory the tests may use as the remote side (absolute path).
  std::filesystem::path root() const { return dir_ / "srv"; }
  // Cuts every open connection (kills every process below the listener)
  // while the listener stays up: a connection lost mid-transfer.
  void cut_sessions() const;
  // Stops (SIGSTOP) the listener and its sessions, and lets them go on: a
  // server that hangs mid-transfer, for a test that kills its client then.
  void pause() const;
  void resume() const;
  std::string log() const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string user_;
};

}  // namespace relman::test
