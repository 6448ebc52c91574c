#include "support/sigstore_server.h"
#include "test_paths.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>

#include "adapters/durable.h"
#include "adapters/http.h"
#include "adapters/sigstore_crypto.h"

#ifndef RELMAN_TEST_DIR
#define RELMAN_TEST_DIR "tests"
#endif

namespace relman::test {

namespace {

http::Client control_client() {
  http::Options o;
  o.max_attempts = 1;
  o.total_timeout = std::chrono::milliseconds(10000);
  return http::Client(o);
}

}  // namespace

SigstoreServer::SigstoreServer() : root_(dir_ / "trusted_root.json") {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  durable::Fd rd(fds[0]), wr(fds[1]);
  std::string script = std::string(RELMAN_TEST_DIR) + "/server/fake_sigstore.py";
  const char* py = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  std::string root = root_.string();
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(wr.get(), 1);
    ::execlp(py, py, script.c_str(), "--trusted-root", root.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  wr.reset();
  std::string line;
  char c;
  while (::read(rd.get(), &c, 1) == 1 && c != '\n') line += c;
  try {
    port_ = std::stoi(line);
  } catch (const std::exception&) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error("fake_sigstore.py did not start (read '" + line +
                             "'); is python3-cryptography installed?");
  }
}

SigstoreServer::~SigstoreServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string SigstoreServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void SigstoreServer::configure(const nlohmann::json& patch) {
  control_client().post_json(url() + "/_control/config", patch);
}

nlohmann::json SigstoreServer::entries() const { return control_client().get_json(url() + "/_control/entries"); }
nlohmann::json SigstoreServer::requests() const { return control_client().get_json(url() + "/_control/requests"); }

std::string unsigned_jwt(const std::string& issuer, const std::string& email) {
  std::random_device rd;
  std::string nonce = std::to_string(rd()) + std::to_string(rd());
  nlohmann::json header = {{"alg", "none"}, {"typ", "JWT"}};
  nlohmann::json claims = {{"iss", issuer}, {"email", email}, {"sub", email}, {"aud", "sigstore"}, {"nonce", nonce}};
  return sigstore::base64url_encode(header.dump()) + "." + sigstore::base64url_encode(claims.dump()) + "." +
         sigstore::base64url_encode("unsigned-" + nonce);
}

}  // namespace relman::test
