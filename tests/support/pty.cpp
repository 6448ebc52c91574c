#include "support/pty.h"
#include "test_paths.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace relman::test {

PtyRun relman_on_terminal(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          const std::vector<PtyCue>& answers, std::chrono::seconds limit, unsigned short columns,
                          const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv_s = {RELMAN_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int master = -1;
  winsize ws{};
  ws.ws_col = columns;
  ws.ws_row = 24;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, columns > 0 ? &ws : nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::unsetenv("NO_COLOR");
    ::setenv("TERM", "xterm", 1);
    for (const auto& [name, value] : env) {
      if (value.empty()) ::unsetenv(name.c_str());
      else ::setenv(name.c_str(), value.c_str(), 1);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }

  PtyRun run;
  size_t searched_from = 0;
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      run.transcript += "\n[test: timed out]";
      break;
    }
    pollfd p{master, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      char buf[4096];
      ssize_t got = ::read(master, buf, sizeof buf);
      if (got <= 0) break;  // EIO: the child closed the terminal (it exited)
      run.transcript.append(buf, static_cast<size_t>(got));
    }
    if (run.answered < answers.size()) {
      const auto& cue = answers[run.answered];
      auto at = run.transcript.find(cue.wait_for, searched_from);
      if (at != std::string::npos) {
        std::string typed = cue.type;
        if (cue.answer)
          typed = cue.answer(run.transcript.substr(searched_from, at + cue.wait_for.size() - searched_from));
        if (cue.act) {
          cue.act();
        } else if (!cue.answer || !typed.empty()) {
          std::string line = typed + "\n";
          if (::write(master, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            throw std::runtime_error("cannot type into the pty");
        }
        searched_from = at + cue.wait_for.size();
        ++run.answered;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

}  // namespace relman::test
