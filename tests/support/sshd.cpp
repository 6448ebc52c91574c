#include "support/sshd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/shell.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

// "type base64" of a .pub file.
std::string key_of(const fs::path& pub) {
  std::istringstream in(read_file(pub));
  std::string type, data;
  in >> type >> data;
  return type + " " + data;
}

// Every process below `root`: sshd's connection processes call setsid(),
// so its process group does not hold them.
std::vector<pid_t> descendants(pid_t root) {
  std::map<pid_t, std::vector<pid_t>> children;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces, so read after ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    children[ppid].push_back(std::stoi(name));
  }
  std::vector<pid_t> out, todo{root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children[p]) {
      out.push_back(c);
      todo.push_back(c);
    }
  }
  return out;
}

}  // namespace

SshServer::SshServer() {
  const fs::path sshd = "/usr/sbin/sshd";
  if (!fs::exists(sshd))
    throw std::runtime_error("/usr/sbin/sshd is missing: apt-get install openssh-server (scripts/setup.sh)");
  // sshd's privilege separation needs this directory to exist.
  fs::create_directories("/run/sshd");
  if (passwd* pw = ::getpwuid(::geteuid())) user_ = pw->pw_name;
  fs::create_directories(root());
  for (const char* key : {"host_key", "user_key", "other_key"})
    sh_ok("ssh-keygen -q -t ed25519 -N '' -C relman-test -f " + quote((dir_ / key).string()));
  write_file(dir_ / "authorized_keys", read_file(dir_ / "user_key.pub"));
  port_ = free_port();
  const std::string name = "[127.0.0.1]:" + std::to_string(port_);
  write_file(known_hosts(), name + " " + key_of(dir_ / "host_key.pub") + "\n");
  write_file(wrong_known_hosts(), name + " " + key_of(dir_ / "other_key.pub") + "\n");
  // The temp dir is not root-owned with the modes StrictModes wants.
  write_file(dir_ / "sshd_config", "Port " + std::to_string(port_) +
                                       "\n"
                                       "ListenAddress 127.0.0.1\n"
                                       "HostKey " +
                                       (dir_ / "host_key").string() +
                                       "\n"
                                       "PidFile none\n"
                                       "AuthorizedKeysFile " +
                                       (dir_ / "authorized_keys").string() +
                                       "\n"
                                       "StrictModes no\n"
                                       "UsePAM no\n"
                                       "PermitRootLogin yes\n"
                                       "PubkeyAuthentication yes\n"
                                       "PasswordAuthentication no\n"
                                       "KbdInteractiveAuthentication no\n"
                                       "Subsystem sftp internal-sftp\n"
                                       "LogLevel VERBOSE\n");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Its own process group: the destructor kills sshd and every session.
    ::setpgid(0, 0);
    int log = ::open((dir_ / "sshd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    const std::string config = (dir_ / "sshd_config").string();
    ::execl(sshd.c_str(), sshd.c_str(), "-D", "-e", "-f", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("sshd exited at start:\n" + log());
    }
    if (std::chrono::steady_clock::now() > until) throw std::runtime_error("sshd did not come up:\n" + log());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

SshServer::~SshServer() {
  if (pid_ > 0) {
    resume();  // a stopped sshd is killed all the same, but let its sessions see it
    cut_sessions();
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string SshServer::url(const std::string& path) const {
  return "sftp://" + user_ + "@127.0.0.1:" + std::to_string(port_) + path;
}

void SshServer::cut_sessions() const {
  for (pid_t p : descendants(pid_)) ::kill(p, SIGKILL);
}

void SshServer::pause() const {
  ::kill(pid_, SIGSTOP);  // first: a stopped listener forks no new session
  for (pid_t p : descendants(pid_)) ::kill(p, SIGSTOP);
}

void SshServer::resume() const {
  for (pid_t p : descendants(pid_)) ::kill(p, SIGCONT);
  ::kill(pid_, SIGCONT);
}

std::string SshServer::log() const {
  std::error_code ec;
  return fs::exists(dir_ / "sshd.log", ec) ? read_file(dir_ / "sshd.log") : std::string();
}

}  // namespace relman::test
