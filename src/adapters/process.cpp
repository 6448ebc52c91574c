#include "adapters/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "adapters/durable.h"

extern char** environ;

namespace relman::process {

std::string Result::describe() const {
  if (timed_out) return "timed out";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

std::string show_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\"'$\\") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

std::filesystem::path find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  return find_program(name, path ? path : "/usr/local/bin:/usr/bin:/bin");
}

std::filesystem::path find_program(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::filesystem::path dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    auto candidate = dir / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
    start = end + 1;
  }
  return {};
}

namespace {

std::vector<std::string> build_env(const Spec& spec) {
  std::map<std::string, std::string> merged = environment();
  for (const auto& u : spec.unset_env) merged.erase(u);
  for (const auto& [k, v] : spec.env) merged[k] = v;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [k, v] : merged) {
    std::string kv = k;
    kv += '=';
    kv += v;
    out.push_back(std::move(kv));
  }
  return out;
}

}  // namespace

namespace {
Result run_once(const Spec& spec, const std::function<void(std::string_view)>& on_line);
struct TextBusy {};
}  // namespace

Result run(const Spec& spec, const std::function<void(std::string_view)>& on_line) {
  // A program just written (a configure script from a tarball) can be "busy"
  // for an instant: another thread's fork, between fork and exec, still
  // holds a copy of the descriptor it was written through. Trying again
  // shortly is the known cure (the same race exists in every threaded
  // program that writes and runs executables).
  for (int attempt = 0;; ++attempt) {
    try {
      return run_once(spec, on_line);
    } catch (const TextBusy&) {
      if (attempt == 20) throw std::runtime_error("cannot run '" + spec.argv[0] + "': " + std::strerror(ETXTBSY));
      std::this_thread::sleep_for(std::chrono::milliseconds(25 * (attempt + 1)));
    }
  }
}

namespace {

Result run_once(const Spec& spec, const std::function<void(std::string_view)>& on_line) {
  if (spec.argv.empty()) throw std::runtime_error("empty command");
  auto program = find_program(spec.argv[0]);
  if (program.empty())
    throw std::runtime_error("program not found: '" + spec.argv[0] + "' (install it or put it on PATH)");

  // Everything the child needs is prepared before fork: after fork in a
  // threaded process only async-signal-safe calls are allowed.
  std::vector<std::string> env = build_env(spec);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string prog = program.string();
  std::string cwd = spec.cwd.string();

  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  durable::Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  durable::Fd err_r(err_pipe[0]), err_w(err_pipe[1]);  // exec errno travels here
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  durable::Fd in_r(in_pipe[0]), in_w(in_pipe[1]);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in_r.get(), 0);
    ::dup2(out_w.get(), 1);
    ::dup2(out_w.get(), 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      int e = errno;
      (void)!::write(err_w.get(), &e, sizeof e);
      ::_exit(127);
    }
    ::execve(prog.c_str(), argv.data(), envp.data());
    int e = errno;
    (void)!::write(err_w.get(), &e, sizeof e);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  out_w.reset();
  err_w.reset();
  in_r.reset();

  int child_errno = 0;
  if (::read(err_r.get(), &child_errno, sizeof child_errno) == sizeof child_errno) {
    ::waitpid(pid, nullptr, 0);
    if (!cwd.empty() && !std::filesystem::is_directory(cwd))
      throw std::runtime_error("cannot run '" + spec.argv[0] + "': working directory " + cwd + " does not exist");
    if (child_errno == ETXTBSY) throw TextBusy{};
    throw std::runtime_error("cannot run '" + spec.argv[0] + "': " + std::strerror(child_errno));
  }

  if (!spec.input.empty()) {
    // Small inputs only (passphrases, scripts); a child that does not read
    // its stdin gets EPIPE, which is not our failure.
    struct sigaction ign {
    }, old{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    try {
      durable::write_all(in_w.get(), spec.input);
    } catch (const std::exception&) {
    }
    ::sigaction(SIGPIPE, &old, nullptr);
  }
  in_w.reset();

  Result result;
  std::string pending;
  auto emit = [&](bool flush_all) {
    size_t pos;
    while ((pos = pending.find('\n')) != std::string::npos) {
      std::string_view line(pending.data(), pos);
      if (on_line) on_line(line);
      pending.erase(0, pos + 1);
    }
    if (flush_all && !pending.empty()) {
      if (on_line) on_line(pending);
      pending.clear();
    }
  };

  auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  bool killed = false;
  char buf[65536];
  while (true) {
    int wait_ms = -1;
    if (spec.timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        if (!killed) {
          ::kill(-pid, SIGTERM);
          killed = true;
          result.timed_out = true;
          deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
          continue;
        }
        ::kill(-pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    struct pollfd pfd {
      out_r.get(), POLLIN, 0
    };
    int rc = ::poll(&pfd, 1, wait_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (rc == 0) continue;
    ssize_t n = ::read(out_r.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (spec.capture) result.output.append(buf, static_cast<size_t>(n));
    pending.append(buf, static_cast<size_t>(n));
    emit(false);
  }
  emit(true);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = -1;
  }
  if (killed) ::kill(-pid, SIGKILL);  // stragglers in the group
  return result;
}

}  // namespace

}  // namespace relman::process
