#include "support/relman_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <stdexcept>
#include <thread>

#include "test_paths.h"

extern char** environ;

namespace relman::test {

RelmanProcess::RelmanProcess(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::vector<std::string> words = {RELMAN_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  const int rc = posix_spawn(&pid_, RELMAN_BINARY, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error(std::string("cannot start " RELMAN_BINARY ": ") + std::strerror(rc));
}

RelmanProcess::~RelmanProcess() {
  if (!reaped_) kill_now();
}

bool RelmanProcess::ended() {
  if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return reaped_;
}

bool RelmanProcess::wait_until(const std::function<bool()>& reached, std::chrono::milliseconds poll,
                               std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ended()) return false;
    if (reached()) return true;
    std::this_thread::sleep_for(poll);
  }
  return false;
}

bool RelmanProcess::kill_now() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL;
}

int RelmanProcess::exit_code() const { return reaped_ && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }

}  // namespace relman::test
