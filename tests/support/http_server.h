// The loopback fake of GitHub, an upload server, a CDN and a webhook
// (tests/server/fake_github.py) as a real process for one test or suite.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman::test {

class FakeServer {
 public:
  // Starts the script, waits for the port it prints; throws if it does not
  // come up within a few seconds.
  explicit FakeServer(const nlohmann::json& config = nlohmann::json::object());
  ~FakeServer();  // SIGKILLs and reaps it
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:PORT
  // Merges `patch` into the server's state (faults, workflows, ...).
  void configure(const nlohmann::json& patch);
  nlohmann::json requests() const;  // every request seen: method, path, headers
  nlohmann::json uploads() const;   // path -> {size, sha256, text (latin-1)}
  nlohmann::json runs() const;      // workflow runs created by dispatches
  nlohmann::json hooks() const;     // [{path, body}] POSTed to /hook...
  // Stops the process now (connection-refused tests).
  void stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Sets an environment variable for one scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  bool had_ = false;
  std::string old_;
};

// Retries in milliseconds instead of seconds, for the whole test binary.
void fast_http_retries();

std::string sha256_hex(const std::string& data);

// A port on 127.0.0.1 where nothing listens (bound then closed).
int unused_port();

// Searches every file under `dir` for `needle`; returns the paths that
// contain it (for "the token appears nowhere in the state directory").
std::vector<std::string> files_containing(const std::string& dir, const std::string& needle);

}  // namespace relman::test
