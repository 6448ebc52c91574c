// A loopback stand-in written in Python (tests/server/<script>) as a real
// process for one test: it prints its port on its first line, takes its
// state through POST /_control/config and reports through GET /_control/*.
#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

namespace relman::test {

// Starts tests/server/<script> and reads the port it prints; throws if it
// does not come up within a few seconds. Killed with the test's process.
pid_t start_server_script(const std::string& script, int& port);

class ScriptServer {
 public:
  // fake_discourse.py: Discourse's /posts.json and /search.json.
  explicit ScriptServer(const std::string& script, const nlohmann::json& config = nlohmann::json::object());
  ~ScriptServer();  // SIGKILLs and reaps it
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT
  void configure(const nlohmann::json& patch);
  // GET /_control/<what> ("posts", "requests").
  nlohmann::json control(const std::string& what) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace relman::test
