#include "cli/recover.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "adapters/durable.h"
#include "adapters/git.h"
#include "adapters/git_remote.h"
#include "cli/run_location.h"
#include "core/errors.h"
#include "core/step_log.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

// Does any process we can see hold `file` open? Reads /proc/*/fd: git and
// libgit2 keep the lock file open while they write the index.
bool open_by_a_process(const fs::path& file) {
  std::error_code ec;
  auto target = fs::canonical(file, ec);
  if (ec) return false;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string pid = proc.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fd.path(), link_ec) == target) return true;
    }
  }
  return false;
}

int64_t mtime_ms(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

void remove_leftover_temp_files(const fs::path& state_dir, const fs::path& repo,
                                const std::function<void(const std::string&)>& say) {
  std::vector<fs::path> removed = durable::remove_stale_temp_files(state_dir / "tmp", true);
  if (!repo.empty()) {
    auto git_dir = git_dir_holding(repo);
    if (!git_dir.empty()) {
      auto more = durable::remove_stale_temp_files(git_dir / "relman" / "tmp", false);
      removed.insert(removed.end(), more.begin(), more.end());
    }
  }
  for (const auto& p : removed)
    say(fmt::format("relman: removed {}, a temporary file an interrupted relman left", p.string()));
}

std::vector<fs::path> git_lock_files(const fs::path& git_dir) {
  std::vector<fs::path> locks;
  std::error_code ec;
  // The files git and libgit2 lock beside the file they rewrite: the index,
  // HEAD and its kin, the config, packed-refs and every ref under refs/.
  for (const auto& entry : fs::directory_iterator(git_dir, ec)) {
    std::error_code type_ec;
    if (entry.path().extension() == ".lock" && entry.is_regular_file(type_ec)) locks.push_back(entry.path());
  }
  for (auto it = fs::recursive_directory_iterator(git_dir / "refs", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".lock" && it->is_regular_file(type_ec)) locks.push_back(it->path());
  }
  std::sort(locks.begin(), locks.end());
  return locks;
}

namespace {

// Removes the stale locks of `git_dir` that `step` (started at `started_ms`)
// left, or throws when one may be someone else's. `where` names the
// repository in messages.
void clear_locks_in(const fs::path& git_dir, const std::string& step, int64_t started_ms, const std::string& where,
                    const fs::path& state_dir, const std::function<void(const std::string&)>& say) {
  // Every lock is checked before any is removed: one that may be someone
  // else's stops the resume with all of relman's still in place to look at.
  const auto locks = git_lock_files(git_dir);
  for (const auto& lock : locks) {
    // Filesystem timestamps may be coarser than the journal's clock.
    const bool after_start = started_ms > 0 && mtime_ms(lock) + 2000 >= started_ms;
    if (!after_start || open_by_a_process(lock))
      throw StepError(fmt::format(
          "{} exists. relman's step '{}' was interrupted while it worked on the repository, but the lock {}. If no "
          "git command is running on {} (check with `ps` or `lsof {}`), remove it: rm {} ; then resume",
          lock.string(), step, after_start ? "is held open by a running process" : "is older than that step", where,
          lock.string(), lock.string()));
  }
  for (const auto& lock : locks) {
    std::error_code ec;
    fs::remove(lock, ec);
    if (ec) throw StepError(fmt::format("cannot remove the stale {}: {}", lock.string(), ec.message()));
    std::string line = fmt::format(
        "relman: removed the stale {}: relman was killed while step '{}' held it (no process has it open, and it was "
        "made after the step started)",
        lock.string(), step);
    {
      StepLog log(state_dir / "logs" / (step + ".log"), nullptr);
      log.line(line);
    }
    say(line);
  }
}

// The git directories of the repositories on this machine (a path or
// file:// URL) that the repository's remotes push to: a push killed while it
// wrote a ref leaves the lock there. The step's own remote is a template the
// journal does not hold expanded, so every local remote is looked at; a lock
// another process holds open, or older than the step, stops the resume as
// any other would. Remotes elsewhere relman cannot and need not clean.
std::vector<fs::path> local_push_targets(const fs::path& repo) {
  std::vector<fs::path> out;
  try {
    auto r = git::open(repo);
    for (const auto& name : git::remote_names(r.get())) {
      std::string url = git::push_url(r.get(), name);
      if (url.rfind("file://", 0) == 0) url = url.substr(7);
      if (url.empty() || url.front() != '/') continue;
      std::error_code ec;
      fs::path dir = fs::is_directory(fs::path(url) / ".git", ec) ? fs::path(url) / ".git" : fs::path(url);
      if (fs::is_directory(dir / "refs", ec) && std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
    }
  } catch (const std::exception&) {
  }
  return out;
}

}  // namespace

void clear_stale_git_locks(const RunState& state, const fs::path& state_dir, const fs::path& repo,
                           const std::function<void(const std::string&)>& say) {
  std::string step;
  std::string uses;
  int64_t started_ms = 0;
  for (const auto& p : state.plan) {
    const std::string id = p.value("id", "");
    const StepStatus* s = state.find(id);
    if (!s || s->state != StepState::running || p.value("uses", "").rfind("git.", 0) != 0) continue;
    step = id;
    uses = p.value("uses", "");
    started_ms = s->history.empty() ? 0 : s->history.back().started_ms;
    break;
  }
  if (step.empty() || repo.empty()) return;
  auto git_dir = git_dir_holding(repo);
  if (git_dir.empty()) return;
  clear_locks_in(git_dir, step, started_ms, repo.string(), state_dir, say);
  if (uses == "git.push")
    for (const auto& target : local_push_targets(repo))
      clear_locks_in(target, step, started_ms, target.string(), state_dir, say);
}

}  // namespace relman::cli
