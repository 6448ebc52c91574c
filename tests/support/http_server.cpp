#include "support/http_server.h"
#include "support/script_server.h"
#include "test_paths.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <vector>

#include "adapters/durable.h"
#include "adapters/http.h"
#include "adapters/sha256.h"

#ifndef RELMAN_TEST_DIR
#define RELMAN_TEST_DIR "tests"
#endif

namespace relman::test {

namespace {

std::string python() {
  // The system interpreter starts faster than a pyenv shim.
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

http::Client control_client() {
  http::Options o;
  o.max_attempts = 1;
  o.total_timeout = std::chrono::milliseconds(10000);
  return http::Client(o);
}

}  // namespace

pid_t start_server_script(const std::string& script_name, int& port) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  durable::Fd rd(fds[0]), wr(fds[1]);
  std::string script = std::string(RELMAN_TEST_DIR) + "/server/" + script_name;
  std::string py = python();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(wr.get(), 1);
    ::execlp(py.c_str(), py.c_str(), script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  wr.reset();
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char c;
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::read(rd.get(), &c, 1);
    if (n <= 0) break;
    if (c == '\n') break;
    line += c;
  }
  try {
    port = std::stoi(line);
  } catch (const std::exception&) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    throw std::runtime_error(script_name + " did not start (read '" + line + "')");
  }
  return pid;
}

ScriptServer::ScriptServer(const std::string& script, const nlohmann::json& config) {
  pid_ = start_server_script(script, port_);
  if (!config.empty()) configure(config);
}

ScriptServer::~ScriptServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string ScriptServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void ScriptServer::configure(const nlohmann::json& patch) {
  control_client().post_json(url() + "/_control/config", patch);
}

nlohmann::json ScriptServer::control(const std::string& what) const {
  return control_client().get_json(url() + "/_control/" + what);
}

FakeServer::FakeServer(const nlohmann::json& config) {
  pid_ = start_server_script("fake_github.py", port_);
  if (!config.empty()) configure(config);
}

FakeServer::~FakeServer() { stop(); }

void FakeServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

std::string FakeServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeServer::configure(const nlohmann::json& patch) {
  control_client().post_json(url() + "/_control/config", patch);
}

nlohmann::json FakeServer::requests() const { return control_client().get_json(url() + "/_control/requests"); }
nlohmann::json FakeServer::uploads() const { return control_client().get_json(url() + "/_control/uploads"); }
nlohmann::json FakeServer::hooks() const { return control_client().get_json(url() + "/_control/hooks"); }
nlohmann::json FakeServer::runs() const { return control_client().get_json(url() + "/_control/runs"); }

ScopedEnv::ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
  if (const char* v = std::getenv(name_.c_str())) {
    had_ = true;
    old_ = v;
  }
  ::setenv(name_.c_str(), value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
  if (had_) ::setenv(name_.c_str(), old_.c_str(), 1);
  else ::unsetenv(name_.c_str());
}

void fast_http_retries() {
  ::setenv("RELMAN_HTTP_RETRY_BASE_MS", "5", 1);
  ::setenv("RELMAN_HTTP_RETRY_CAP_MS", "2000", 1);
}

std::string sha256_hex(const std::string& data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

int unused_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  durable::Fd fd(s);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find(needle) != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

}  // namespace relman::test
