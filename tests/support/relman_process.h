// The relman binary started in the background, for tests that SIGKILL it at
// a chosen moment: what a crash of the real process leaves behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace relman::test {

class RelmanProcess {
 public:
  // Starts RELMAN_BINARY ARGS in `cwd`, stdout and stderr to /dev/null.
  // Throws std::runtime_error when it cannot be started.
  RelmanProcess(const std::vector<std::string>& args, const std::filesystem::path& cwd);
  ~RelmanProcess();  // kills and reaps a process still running
  RelmanProcess(const RelmanProcess&) = delete;
  RelmanProcess& operator=(const RelmanProcess&) = delete;

  // Polls `reached` every `poll` until it holds (true), relman ends or
  // `limit` passes (false); ended() says which.
  bool wait_until(const std::function<bool()>& reached, std::chrono::milliseconds poll,
                  std::chrono::seconds limit = std::chrono::seconds(30));
  bool ended();  // reaps without blocking

  // SIGKILL, then reaps. True when the signal is what ended it: a process
  // that has exited but is not reaped still accepts a signal, so kill(2)
  // succeeding proves nothing.
  bool kill_now();
  int status() const { return status_; }  // waitpid's status once ended
  int exit_code() const;                  // -1 unless it exited

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace relman::test
