#include "cli/handover.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "adapters/durable.h"
#include "core/journal.h"

namespace relman::cli {

namespace fs = std::filesystem;

fs::path requests_dir(const fs::path& state_dir) { return state_dir / "requests"; }

fs::path hand_over_approval(const fs::path& state_dir, const std::string& step, const std::string& by) {
  auto dir = requests_dir(state_dir);
  durable::create_directories_durable(dir);
  const int64_t t = now_ms();
  std::random_device rd;
  // Named by time first, so requests are taken in the order they were made.
  auto path = dir / fmt::format("{:013}-{}-{:08x}.approve.json", t, ::getpid(), rd());
  nlohmann::json req = {{"request", "approve"}, {"step", step},      {"by", by},
                        {"pid", ::getpid()},    {"requested_ms", t}, {"requested_at", iso_time(t)}};
  durable::write_atomic(path, req.dump() + "\n", 0644);
  return path;
}

namespace {

// The request files in the order they were made; dot files are
// write_atomic's temporaries, not yet requests.
std::vector<fs::path> request_files(const fs::path& state_dir) {
  auto dir = requests_dir(state_dir);
  std::error_code ec;
  std::vector<fs::path> files;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || e.path().extension() != ".json") continue;
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool approval_requested(const fs::path& state_dir, const std::string& step) {
  for (const auto& f : request_files(state_dir)) {
    try {
      auto req = nlohmann::json::parse(durable::read_file(f));
      if (req.value("request", "") == "approve" && req.value("step", "") == step) return true;
    } catch (const std::exception&) {
      // Unreadable: take_handed_over rejects it with a warning.
    }
  }
  return false;
}

int take_handed_over(const fs::path& state_dir, const Workflow& wf, const std::function<void(nlohmann::json)>& record,
                     const std::function<void(const std::string&)>& warn) {
  auto dir = requests_dir(state_dir);
  std::error_code ec;
  const auto files = request_files(state_dir);
  int taken = 0;
  for (const auto& f : files) {
    std::string problem;
    nlohmann::json req;
    try {
      req = nlohmann::json::parse(durable::read_file(f));
      const std::string step = req.value("step", "");
      const StepDef* d = wf.find(step);
      if (req.value("request", "") != "approve") problem = "not an approval";
      else if (!d) problem = fmt::format("the workflow has no step '{}'", step);
      else if (!d->is_gate()) problem = fmt::format("'{}' is not a gate", step);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (!problem.empty()) {
      fs::rename(f, fs::path(f).replace_extension(".rejected"), ec);
      if (warn) warn(fmt::format("ignored the request {}: {}", f.filename().string(), problem));
      continue;
    }
    // Journaled before the request goes: a crash in between records the
    // approval a second time, which says the same thing again.
    record({{"event", "step_approved"},
            {"step", req.value("step", "")},
            {"by", req.value("by", "")},
            {"handed_over", {{"pid", req.value("pid", 0)}, {"requested_at", req.value("requested_at", "")}}}});
    fs::remove(f, ec);
    ++taken;
  }
  if (taken > 0) durable::fsync_path(dir);
  return taken;
}

std::optional<LockHolder> lock_holder(const fs::path& state_dir) {
  auto path = state_dir / "lock";
  durable::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  // A shared lock succeeds only when nobody drives the run; drop it at once.
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd.get(), LOCK_UN);
    return std::nullopt;
  }
  LockHolder h;
  char buf[32] = {};
  ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
  if (n > 0) h.pid = std::strtol(buf, nullptr, 10);
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0)
    h.since_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return h;
}

}  // namespace relman::cli
