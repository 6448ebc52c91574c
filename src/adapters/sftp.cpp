#include "adapters/sftp.h"

#include <fmt/format.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include "adapters/durable.h"
#include "adapters/http.h"
#include "adapters/sha256.h"

namespace relman::sftp {
namespace {

namespace fs = std::filesystem;

struct SessionFree {
  void operator()(LIBSSH2_SESSION* s) const {
    libssh2_session_disconnect(s, "relman done");
    libssh2_session_free(s);
  }
};
struct SftpFree {
  void operator()(LIBSSH2_SFTP* s) const { libssh2_sftp_shutdown(s); }
};
struct HandleFree {
  void operator()(LIBSSH2_SFTP_HANDLE* h) const { libssh2_sftp_close_handle(h); }
};
struct KnownFree {
  void operator()(LIBSSH2_KNOWNHOSTS* k) const { libssh2_knownhost_free(k); }
};
struct AgentFree {
  void operator()(LIBSSH2_AGENT* a) const {
    libssh2_agent_disconnect(a);
    libssh2_agent_free(a);
  }
};
struct ChannelFree {
  void operator()(LIBSSH2_CHANNEL* c) const { libssh2_channel_free(c); }
};
using Handle = std::unique_ptr<LIBSSH2_SFTP_HANDLE, HandleFree>;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (libssh2_init(0) != 0) throw Error("libssh2 could not be initialised");
  });
}

std::string quote_shell(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int known_host_key_type(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

std::string sha256_fingerprint(LIBSSH2_SESSION* s) {
  const char* h = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (!h) return "?";
  std::string out = "SHA256:";
  for (int i = 0; i < 32; ++i) out += fmt::format("{:02x}", static_cast<unsigned char>(h[i]));
  return out;
}

// A server that drops the connection must end in an error, not in the
// SIGPIPE that would kill relman mid-journal.
ssize_t send_no_sigpipe(libssh2_socket_t sock, const void* buffer, size_t length, int flags, void**) {
  ssize_t n = ::send(sock, buffer, length, flags | MSG_NOSIGNAL);
  return n < 0 ? -errno : n;
}

}  // namespace

Target parse_url(const std::string& url) {
  if (http::url_scheme(url) != "sftp") throw Error(fmt::format("'{}' is not an sftp:// URL", http::redact_url(url)));
  Target t;
  t.host = http::url_host(url);
  t.path = http::url_path(url);
  // user and port: between "://" and the first '/' after it.
  auto start = url.find("://") + 3;
  auto authority = url.substr(start, url.find('/', start) - start);
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    t.user = authority.substr(0, at);
    if (auto colon = t.user.find(':'); colon != std::string::npos) t.user.resize(colon);
    authority = authority.substr(at + 1);
  }
  if (auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']', colon) == std::string::npos)
    t.port = std::atoi(authority.c_str() + colon + 1);
  if (t.host.empty() || t.port <= 0 || t.port > 65535 || t.path.empty() || t.path[0] != '/')
    throw Error(fmt::format("'{}' is not a usable sftp:// URL; write sftp://user@host[:port]/absolute/path/",
                            http::redact_url(url)));
  if (t.user.empty() && std::getenv("USER")) t.user = std::getenv("USER");
  return t;
}

Login login_from_env(const std::string& param) {
  Login l;
  if (!param.empty()) l.key_file = param;
  else if (const char* k = std::getenv("RELMAN_SSH_KEY"); k && *k) l.key_file = k;
  if (const char* k = std::getenv("RELMAN_SSH_KNOWN_HOSTS"); k && *k) l.known_hosts = k;
  else if (const char* home = std::getenv("HOME")) l.known_hosts = fs::path(home) / ".ssh/known_hosts";
  return l;
}

struct Session::Impl {
  Target target;
  durable::Fd sock;
  std::unique_ptr<LIBSSH2_SESSION, SessionFree> session;
  std::unique_ptr<LIBSSH2_SFTP, SftpFree> sftp;

  std::string where() const { return fmt::format("{}@{}:{}", target.user, target.host, target.port); }
  std::string last_error() const {
    char* msg = nullptr;
    int code = libssh2_session_last_error(session.get(), &msg, nullptr, 0);
    std::string out = msg && *msg ? msg : "unknown error";
    if (code == LIBSSH2_ERROR_SFTP_PROTOCOL) {
      switch (libssh2_sftp_last_error(sftp.get())) {
        case LIBSSH2_FX_NO_SUCH_FILE:
          out = "no such file";
          break;
        case LIBSSH2_FX_PERMISSION_DENIED:
          out = "permission denied";
          break;
        case LIBSSH2_FX_FAILURE:
          out = "failure";
          break;
        default:
          break;
      }
    }
    return out;
  }
  bool no_such_file() const {
    return libssh2_session_last_errno(session.get()) == LIBSSH2_ERROR_SFTP_PROTOCOL &&
           libssh2_sftp_last_error(sftp.get()) == LIBSSH2_FX_NO_SUCH_FILE;
  }
  [[noreturn]] void fail(const std::string& what, const std::string& path) const {
    throw Error(fmt::format("sftp {} {} on {}: {}", what, path, where(), last_error()));
  }

  void connect() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    auto port = std::to_string(target.port);
    if (int rc = ::getaddrinfo(target.host.c_str(), port.c_str(), &hints, &res); rc != 0)
      throw Error(fmt::format("cannot resolve {}: {}; check the host name in the URL", target.host, gai_strerror(rc)));
    std::string last = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
      durable::Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
      if (fd.get() < 0) continue;
      // Blocking I/O with a bound: a dead server ends in a timeout, not a hang.
      timeval tv{};
      tv.tv_sec = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(login_timeout).count());
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
        sock = std::move(fd);
        break;
      }
      last = std::strerror(errno);
    }
    ::freeaddrinfo(res);
    if (sock.get() < 0)
      throw Error(fmt::format("cannot connect to {}:{}: {}; check that the server is up and the port is right",
                              target.host, target.port, last));
  }

  void check_host_key(const fs::path& known_hosts) {
    size_t len = 0;
    int type = 0;
    const char* key = libssh2_session_hostkey(session.get(), &len, &type);
    if (!key) throw Error(fmt::format("{} sent no host key: {}", where(), last_error()));
    std::unique_ptr<LIBSSH2_KNOWNHOSTS, KnownFree> known(libssh2_knownhost_init(session.get()));
    if (!known) throw Error("libssh2 cannot allocate a known_hosts store");
    const std::string shown = target.port == 22 ? target.host : fmt::format("[{}]:{}", target.host, target.port);
    const std::string fix = fmt::format(
        "ssh-keyscan -p {} {} prints its keys: compare the fingerprint with what the server's admins publish, then "
        "add the line to {} (or set RELMAN_SSH_KNOWN_HOSTS)",
        target.port, target.host, known_hosts.string());
    if (known_hosts.empty() || !fs::exists(known_hosts))
      throw Error(fmt::format("the host key of {} ({}) cannot be checked: {} does not exist; {}", shown,
                              sha256_fingerprint(session.get()),
                              known_hosts.empty() ? "known_hosts" : known_hosts.string(), fix));
    if (libssh2_knownhost_readfile(known.get(), known_hosts.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
      throw Error(fmt::format("cannot read {}: {}", known_hosts.string(), last_error()));
    int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | known_host_key_type(type);
    int verdict = libssh2_knownhost_checkp(known.get(), target.host.c_str(), target.port, key, len, mask, nullptr);
    switch (verdict) {
      case LIBSSH2_KNOWNHOST_CHECK_MATCH:
        return;
      case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        throw Error(fmt::format(
            "the host key of {} ({}) does NOT match the one in {}: refused. Either the server's key was changed or "
            "someone is in the middle; ask the server's admins before touching known_hosts",
            shown, sha256_fingerprint(session.get()), known_hosts.string()));
      case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        throw Error(
            fmt::format("the host key of {} ({}) is not in {}: refused (relman never trusts a key on first "
                        "use); {}",
                        shown, sha256_fingerprint(session.get()), known_hosts.string(), fix));
      default:
        throw Error(fmt::format("the host key of {} could not be checked against {}: {}", shown, known_hosts.string(),
                                last_error()));
    }
  }

  void authenticate(const fs::path& key_file) {
    const std::string& user = target.user;
    if (!key_file.empty()) {
      if (!fs::exists(key_file))
        throw Error(
            fmt::format("the SSH key {} does not exist; name your key in the step's `key` or in "
                        "RELMAN_SSH_KEY (or unset both to use the ssh agent)",
                        key_file.string()));
      fs::path pub = key_file.string() + ".pub";
      bool has_pub = fs::exists(pub);
      int rc = libssh2_userauth_publickey_fromfile_ex(session.get(), user.c_str(), static_cast<unsigned>(user.size()),
                                                      has_pub ? pub.c_str() : nullptr, key_file.c_str(), "");
      if (rc != 0)
        throw Error(
            fmt::format("{} refused the key {} for {}: {}; check that its public half is in the server's "
                        "authorized_keys and that the key has no passphrase (or use the ssh agent)",
                        target.host, key_file.string(), user, last_error()));
      return;
    }
    if (!std::getenv("SSH_AUTH_SOCK"))
      throw Error(
          "no SSH key to log in with: name a key file in the step's `key` or in RELMAN_SSH_KEY, or start an ssh "
          "agent holding your key (SSH_AUTH_SOCK is not set)");
    std::unique_ptr<LIBSSH2_AGENT, AgentFree> agent(libssh2_agent_init(session.get()));
    if (!agent || libssh2_agent_connect(agent.get()) != 0 || libssh2_agent_list_identities(agent.get()) != 0)
      throw Error(fmt::format("cannot talk to the ssh agent at {}: {}", std::getenv("SSH_AUTH_SOCK"), last_error()));
    libssh2_agent_publickey* id = nullptr;
    libssh2_agent_publickey* prev = nullptr;
    while (libssh2_agent_get_identity(agent.get(), &id, prev) == 0) {
      if (libssh2_agent_userauth(agent.get(), user.c_str(), id) == 0) return;
      prev = id;
    }
    throw Error(
        fmt::format("{} accepted none of the ssh agent's keys for {}; add yours (ssh-add) or name a key file "
                    "in RELMAN_SSH_KEY",
                    target.host, user));
  }

  std::chrono::milliseconds login_timeout{30000};
};

Session::Session(const Target& target, const Login& login) : impl_(std::make_unique<Impl>()) {
  global_init();
  Impl& m = *impl_;
  m.target = target;
  m.login_timeout = login.timeout;
  m.connect();
  m.session.reset(libssh2_session_init());
  if (!m.session) throw Error("libssh2 cannot create a session");
  libssh2_session_callback_set(m.session.get(), LIBSSH2_CALLBACK_SEND, reinterpret_cast<void*>(&send_no_sigpipe));
  libssh2_session_set_blocking(m.session.get(), 1);
  libssh2_session_set_timeout(m.session.get(), static_cast<long>(login.timeout.count()));
  if (libssh2_session_handshake(m.session.get(), m.sock.get()) != 0)
    throw Error(fmt::format("the SSH handshake with {} failed: {}", m.where(), m.last_error()));
  m.check_host_key(login.known_hosts);
  m.authenticate(login.key_file);
  m.sftp.reset(libssh2_sftp_init(m.session.get()));
  if (!m.sftp)
    throw Error(
        fmt::format("{} does not offer SFTP: {}; the account needs the sftp subsystem", m.where(), m.last_error()));
}

Session::~Session() {
  // The channel and the session go before the socket they talk over.
  impl_->sftp.reset();
  impl_->session.reset();
}

std::optional<Stat> Session::stat(const std::string& path) {
  LIBSSH2_SFTP_ATTRIBUTES a{};
  if (libssh2_sftp_stat_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_SFTP_STAT,
                           &a) != 0) {
    if (impl_->no_such_file()) return std::nullopt;
    impl_->fail("stat", path);
  }
  Stat s;
  s.size = a.filesize;
  s.mode = static_cast<unsigned>(a.permissions & 07777);
  s.gid = static_cast<unsigned>(a.gid);
  s.directory = LIBSSH2_SFTP_S_ISDIR(a.permissions);
  return s;
}

std::string Session::sha256(const std::string& path) {
  Sha256 hash;
  read(path, [&](std::string_view chunk) { hash.update(chunk); });
  return hash.hex();
}

void Session::read(const std::string& path, const std::function<void(std::string_view)>& sink) {
  Handle h(libssh2_sftp_open_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_FXF_READ,
                                0, LIBSSH2_SFTP_OPENFILE));
  if (!h) impl_->fail("open", path);
  std::vector<char> buf(size_t{64} * 1024);
  for (;;) {
    auto n = libssh2_sftp_read(h.get(), buf.data(), buf.size());
    if (n < 0) impl_->fail("read", path);
    if (n == 0) break;
    sink(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
}

void Session::write(const fs::path& local, const std::string& remote,
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::ifstream in(local, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read {}: {}", local.string(), std::strerror(errno)));
  const std::uint64_t total = fs::file_size(local);
  Handle h(libssh2_sftp_open_ex(impl_->sftp.get(), remote.c_str(), static_cast<unsigned>(remote.size()),
                                LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0600,
                                LIBSSH2_SFTP_OPENFILE));
  if (!h) impl_->fail("open for writing", remote);
  std::vector<char> buf(size_t{64} * 1024);
  std::uint64_t done = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto got = static_cast<size_t>(in.gcount());
    for (size_t off = 0; off < got;) {
      auto n = libssh2_sftp_write(h.get(), buf.data() + off, got - off);
      if (n < 0) impl_->fail(fmt::format("write (after {} of {} bytes) to", done, total), remote);
      off += static_cast<size_t>(n);
      done += static_cast<std::uint64_t>(n);
    }
    if (progress && got) progress(done, total);
  }
  if (libssh2_sftp_fsync(h.get()) != 0 &&
      libssh2_session_last_errno(impl_->session.get()) != LIBSSH2_ERROR_SFTP_PROTOCOL)
    impl_->fail("fsync", remote);
  auto* raw = h.release();
  if (libssh2_sftp_close_handle(raw) != 0) impl_->fail("close", remote);
}

void Session::copy(const std::string& from, const std::string& to) {
  auto* s = impl_->sftp.get();
  Handle in(libssh2_sftp_open_ex(s, from.c_str(), static_cast<unsigned>(from.size()), LIBSSH2_FXF_READ, 0,
                                 LIBSSH2_SFTP_OPENFILE));
  if (!in) impl_->fail("open", from);
  Handle out(libssh2_sftp_open_ex(s, to.c_str(), static_cast<unsigned>(to.size()),
                                  LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0600,
                                  LIBSSH2_SFTP_OPENFILE));
  if (!out) impl_->fail("open for writing", to);
  std::vector<char> buf(size_t{64} * 1024);
  for (;;) {
    auto n = libssh2_sftp_read(in.get(), buf.data(), buf.size());
    if (n < 0) impl_->fail("read", from);
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      auto w = libssh2_sftp_write(out.get(), buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0) impl_->fail("write", to);
      off += w;
    }
  }
  auto* raw = out.release();
  if (libssh2_sftp_close_handle(raw) != 0) impl_->fail("close", to);
}

void Session::rename(const std::string& from, const std::string& to) {
  auto* s = impl_->sftp.get();
  const long flags = LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE;
  auto once = [&] {
    return libssh2_sftp_rename_ex(s, from.c_str(), static_cast<unsigned>(from.size()), to.c_str(),
                                  static_cast<unsigned>(to.size()), flags) == 0;
  };
  if (once()) return;
  // SFTP version 3 (OpenSSH) refuses to rename over an existing file: the
  // old one goes first. The final name is then briefly absent, never partial.
  if (stat(to)) {
    remove(to);
    if (once()) return;
  }
  impl_->fail(fmt::format("rename {} to", from), to);
}

void Session::remove(const std::string& path) {
  if (libssh2_sftp_unlink_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size())) != 0 &&
      !impl_->no_such_file())
    impl_->fail("remove", path);
}

void Session::chmod(const std::string& path, unsigned mode) {
  LIBSSH2_SFTP_ATTRIBUTES a{};
  a.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
  a.permissions = mode;
  if (libssh2_sftp_stat_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_SFTP_SETSTAT,
                           &a) != 0)
    impl_->fail(fmt::format("chmod {:o}", mode), path);
}

void Session::chgrp(const std::string& path, const std::string& group) {
  if (!group.empty() && group.find_first_not_of("0123456789") == std::string::npos) {
    auto st = stat(path);
    if (!st) impl_->fail("chgrp", path);
    LIBSSH2_SFTP_ATTRIBUTES a{};
    a.flags = LIBSSH2_SFTP_ATTR_UIDGID;
    a.gid = std::stoul(group);
    // SETSTAT carries uid and gid together: the uid is the file's own.
    LIBSSH2_SFTP_ATTRIBUTES cur{};
    libssh2_sftp_stat_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_SFTP_STAT, &cur);
    a.uid = cur.uid;
    if (libssh2_sftp_stat_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_SFTP_SETSTAT,
                             &a) != 0)
      impl_->fail("chgrp " + group, path);
    return;
  }
  std::unique_ptr<LIBSSH2_CHANNEL, ChannelFree> ch(libssh2_channel_open_session(impl_->session.get()));
  if (!ch) impl_->fail("open a channel for chgrp of", path);
  const std::string cmd = fmt::format("chgrp -- {} {}", quote_shell(group), quote_shell(path));
  if (libssh2_channel_exec(ch.get(), cmd.c_str()) != 0) impl_->fail("run chgrp on", path);
  std::string err;
  char buf[1024];
  for (;;) {
    auto n = libssh2_channel_read_stderr(ch.get(), buf, sizeof buf);
    if (n <= 0) break;
    err.append(buf, static_cast<size_t>(n));
  }
  while (libssh2_channel_read(ch.get(), buf, sizeof buf) > 0) {
  }
  libssh2_channel_close(ch.get());
  libssh2_channel_wait_closed(ch.get());
  int status = libssh2_channel_get_exit_status(ch.get());
  if (status != 0)
    throw Error(fmt::format("`{}` on {} exited with {}: {}; is your account in group {}?", cmd, impl_->where(), status,
                            err.empty() ? "(no message)" : err, group));
}

void Session::mkdirs(const std::string& dir, unsigned mode) {
  std::string path;
  for (const auto& part : fs::path(dir)) {
    if (part == "/") {
      path = "/";
      continue;
    }
    if (part.empty()) continue;
    path = (fs::path(path) / part).string();
    if (auto st = stat(path)) {
      if (!st->directory) throw Error(fmt::format("{} on {} is a file, not a directory", path, impl_->where()));
      continue;
    }
    if (libssh2_sftp_mkdir_ex(impl_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()), mode) != 0 &&
        !stat(path))
      impl_->fail("mkdir", path);
  }
}

std::vector<std::string> Session::list(const std::string& dir) {
  Handle h(libssh2_sftp_open_ex(impl_->sftp.get(), dir.c_str(), static_cast<unsigned>(dir.size()), 0, 0,
                                LIBSSH2_SFTP_OPENDIR));
  if (!h) impl_->fail("list", dir);
  std::vector<std::string> out;
  char name[1024];
  LIBSSH2_SFTP_ATTRIBUTES a{};
  for (;;) {
    int n = libssh2_sftp_readdir(h.get(), name, sizeof name, &a);
    if (n < 0) impl_->fail("list", dir);
    if (n == 0) break;
    std::string entry(name, static_cast<size_t>(n));
    if (entry != "." && entry != "..") out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace relman::sftp
