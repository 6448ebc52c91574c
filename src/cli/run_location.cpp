#include "cli/run_location.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "adapters/git.h"
#include "cli/open_run.h"
#include "core/errors.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

bool is_run(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "journal.jsonl", ec);
}

fs::path normal(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : c;
}

std::string env_state_dir() {
  const char* v = std::getenv("RELMAN_STATE_DIR");
  return v ? v : "";
}

// The run whose directory holds `dir` (a sandbox workspace, artifacts/...).
std::optional<fs::path> enclosing_run(const fs::path& dir) {
  for (auto p = normal(dir); !p.empty(); p = p.parent_path()) {
    if (is_run(p)) return p;
    if (p == p.parent_path()) break;
  }
  return std::nullopt;
}

// Where the runs find_run() chooses among live: beside the enclosing run, or
// $GIT_DIR/relman of the repository holding the current directory.
fs::path runs_home(const fs::path& cwd, const std::optional<fs::path>& enclosing) {
  if (enclosing) return enclosing->parent_path();
  auto git_dir = git_dir_holding(cwd);
  if (git_dir.empty()) return {};
  return git_dir / "relman";
}

std::vector<fs::path> runs_in(const fs::path& home) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(home, ec))
    if (e.is_directory() && is_run(e.path())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// "3.12.0  execute   failed at tag": one line of the list of runs.
std::string describe(const fs::path& dir) {
  std::string where;
  std::string version = "?", mode = "?";
  try {
    auto r = read_run(dir, false);
    if (r.state.started) {
      version = r.state.version;
      mode = r.state.mode;
    }
    if (!r.state.started) {
      where = "not started (empty journal)";
    } else if (r.state.finished) {
      where = "finished";
    } else {
      for (const auto& p : r.state.plan) {
        const StepStatus* s = r.state.find(p.value("id", ""));
        if (!s) continue;
        std::string id = p.value("id", "");
        if (s->state == StepState::failed) where = "failed at " + id;
        else if (s->state == StepState::waiting && where.empty()) where = "waiting at " + id;
        else if (s->state == StepState::running && where.empty()) where = "interrupted in " + id;
        if (s->state == StepState::failed) break;
      }
      if (where.empty()) where = "stopped (resume to continue)";
    }
  } catch (const std::exception& e) {
    where = std::string("unreadable: ") + e.what();
  }
  return fmt::format("  {:<22} {:<10} {:<9} {}", dir.filename().string(), version, mode, where);
}

std::string list_of(const std::vector<fs::path>& runs) {
  std::string out = fmt::format("  {:<22} {:<10} {:<9} {}", "RUN", "VERSION", "MODE", "STATE");
  for (const auto& r : runs) out += "\n" + describe(r);
  return out;
}

}  // namespace

fs::path git_dir_holding(const fs::path& dir) {
  const auto found = git::discover(normal(dir));
  return found ? normal(*found) : fs::path();
}

std::string run_name(const Version& version, RunMode mode) {
  return mode == RunMode::rehearse ? "rehearse-" + version.str() : version.str();
}

fs::path new_run_dir(const Options& o, const fs::path& repo, const Version& version, RunMode mode) {
  if (!o.state_dir.empty()) return normal(o.state_dir);
  if (auto env = env_state_dir(); !env.empty()) return normal(env);
  auto git_dir = git_dir_holding(repo);
  if (git_dir.empty())
    throw UsageError(fmt::format("{} is not in a git repository, so the run has no default place", repo.string()),
                     "give the release's clone with --repo DIR, or say where the run lives with --state-dir DIR");
  return git_dir / "relman" / run_name(version, mode);
}

namespace {

bool finished(const fs::path& dir) {
  try {
    return read_run(dir, false).state.finished;
  } catch (const std::exception&) {
    return false;  // unreadable: not known to be over, so it is not passed over
  }
}

fs::path locate_run(const Options& o, bool tell) {
  if (!o.state_dir.empty()) return normal(o.state_dir);
  if (auto env = env_state_dir(); !env.empty()) return normal(env);
  auto cwd = fs::current_path();
  auto enclosing = enclosing_run(cwd);
  if (enclosing && o.run.empty()) return *enclosing;
  auto home = runs_home(cwd, enclosing);
  if (home.empty())
    throw UsageError(
        fmt::format("{} is not in a git repository or a run's directory, so there is no run to find", cwd.string()),
        "run relman from the release's clone (or a subdirectory, or its rehearsal's sandbox), or pass "
        "--state-dir DIR");
  auto runs = runs_in(home);
  if (!o.run.empty()) {
    if (is_run(home / o.run)) return home / o.run;
    throw UsageError(fmt::format("there is no run '{}' in {}{}", o.run, home.string(),
                                 runs.empty() ? std::string() : ":\n" + list_of(runs)),
                     "name one of the runs above with --run NAME, or pass --state-dir DIR");
  }
  if (runs.size() == 1) return runs[0];
  if (runs.empty())
    throw UsageError(fmt::format("there is no run in {}", home.string()),
                     "start one with `relman rehearse VERSION` (or `relman start VERSION --execute`), or pass "
                     "--state-dir DIR for a run kept elsewhere");
  // The rehearsal that finished days ago beside the real run waiting at its
  // gate: the one run still going is the one meant.
  std::vector<fs::path> going;
  for (const auto& r : runs)
    if (!finished(r)) going.push_back(r);
  if (going.size() == 1) {
    if (tell && !o.quiet) {
      std::string others;
      for (const auto& r : runs)
        if (r != going[0]) others += (others.empty() ? "" : ", ") + r.filename().string();
      std::fprintf(stderr, "relman: run %s (the only one not finished; %s finished: name it with --run)\n",
                   going[0].filename().c_str(), others.c_str());
    }
    return going[0];
  }
  throw UsageError(fmt::format("{} runs in {}; which one?\n{}", runs.size(), home.string(), list_of(runs)),
                   fmt::format("choose with --run NAME, e.g. `relman status --run {}`", runs[0].filename().string()));
}

}  // namespace

fs::path find_run(const Options& o) { return locate_run(o, true); }

std::string with_state_dir(const std::string& command, const fs::path& dir) {
  auto target = normal(dir);
  Options plain;
  try {
    if (normal(locate_run(plain, false)) == target) return command;
  } catch (const std::exception&) {
    // Several runs, or none found from here: an option says which.
  }
  if (env_state_dir().empty()) {
    auto cwd = fs::current_path();
    auto home = runs_home(cwd, enclosing_run(cwd));
    if (!home.empty() && normal(home) == target.parent_path()) return command + " --run " + target.filename().string();
  }
  std::error_code ec;
  auto rel = fs::relative(target, fs::current_path(), ec);
  auto shown = (!ec && !rel.empty() && rel.string().rfind("..", 0) != 0) ? rel : target;
  return command + " --state-dir " + shown.string();
}

}  // namespace relman::cli
