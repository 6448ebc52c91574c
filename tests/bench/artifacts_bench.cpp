// Benchmark (prints figures; not a test): the release artifacts as release
// managers make them today, one tool after another, against relman's
// archive.export + checksum.sha256 + gpg.sign on the same tagged tree.
//
//   artifacts_bench --repo DIR --tag TAG --key FPR [--runs N] [--work DIR]
//
// GNUPGHOME must name a keyring holding the unprotected secret key FPR.
// tests/bench/artifacts-bench.sh prepares all of that and runs this.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "core/redactor.h"
#include "core/step_kind.h"
#include "core/step_log.h"
#include "core/version.h"
#include "support/shell.h"

using namespace relman;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double cpu_seconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

double children_cpu() {
  rusage r{};
  getrusage(RUSAGE_CHILDREN, &r);
  return cpu_seconds(r);
}

double self_cpu() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return cpu_seconds(r);
}

long maxrss_kb(int who) {
  rusage r{};
  getrusage(who, &r);
  return r.ru_maxrss;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Timed {
  double wall = 0, cpu = 0;
};

// One shell command, timed in wall and CPU (its children's) seconds.
Timed shell_step(const std::string& cmd, const std::filesystem::path& cwd) {
  double c0 = children_cpu();
  auto t0 = Clock::now();
  test::sh_ok(cmd, cwd);
  return {seconds_since(t0), children_cpu() - c0};
}

struct PipelineRun {
  double wall = 0;
  double xz_cpu = 0;
  std::vector<std::pair<std::string, Timed>> steps;
};

PipelineRun run_pipeline(const std::filesystem::path& repo, const std::string& tag, const std::string& prefix,
                         const std::string& key, const std::filesystem::path& out) {
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(out);
  std::string p = test::quote(prefix), tar = test::quote(prefix + ".tar");
  std::vector<std::pair<std::string, std::string>> cmds = {
      {"git archive", "git -C " + test::quote(repo.string()) + " archive --prefix=" + test::quote(prefix + "/") + " " +
                          test::quote(tag) + " > " + tar},
      {"gzip -9n", "gzip -9 -n -c " + tar + " > " + p + ".tgz"},
      {"xz -6 -T1", "xz -6 -T1 -k " + tar},
      {"sha256sum", "sha256sum " + p + ".tgz " + p + ".tar.xz > SHA256SUMS"},
      {"gpg -ab x2", "for f in " + p + ".tgz " + p + ".tar.xz; do gpg --batch --yes -q --local-user " + key +
                         " --detach-sign --armor $f; done"},
  };
  PipelineRun r;
  auto t0 = Clock::now();
  for (const auto& [name, cmd] : cmds) {
    Timed t = shell_step(cmd, out);
    if (name.rfind("xz", 0) == 0) r.xz_cpu = t.cpu;
    r.steps.emplace_back(name, t);
  }
  r.wall = seconds_since(t0);
  std::filesystem::remove(out / (prefix + ".tar"));
  return r;
}

struct RelmanRun {
  double wall = 0, cpu = 0;
  std::vector<std::pair<std::string, double>> steps;
  bool signed_ = false;
  std::string note;
};

RelmanRun run_relman(const std::filesystem::path& repo, const std::string& tag, const std::string& prefix,
                     const std::string& key, const std::filesystem::path& state) {
  std::filesystem::remove_all(state);
  std::filesystem::create_directories(state / "artifacts");
  Redactor redactor;
  RelmanRun r;
  json files;
  auto step = [&](const std::string& kind_name, const json& with) -> json {
    const StepKind* kind = StepRegistry::instance().find(kind_name);
    if (!kind) throw std::runtime_error(kind_name + " is not registered");
    std::filesystem::create_directories(state / "work" / kind_name);
    StepLog log(state / "logs" / (kind_name + ".log"), &redactor);
    StepContext ctx;
    ctx.step_id = kind_name;
    ctx.release = Version::parse("3.12.0");
    ctx.with = with;
    ctx.repo = repo;
    ctx.state_dir = state;
    ctx.artifacts_dir = state / "artifacts";
    ctx.work_dir = state / "work" / kind_name;
    ctx.log = &log;
    ctx.redactor = &redactor;
    ctx.save_checkpoint = [&ctx](const json& d) { ctx.checkpoint.update(d); };
    ctx.progress = [](const std::string&) {};
    auto t0 = Clock::now();
    json out = kind->run(ctx);
    r.steps.emplace_back(kind_name, seconds_since(t0));
    return out;
  };
  double c0 = self_cpu();
  auto t0 = Clock::now();
  json exported = step("archive.export", {{"ref", tag}, {"prefix", prefix}});
  step("checksum.sha256", {{"files", exported["files"]}});
  if (StepRegistry::instance().find("gpg.sign")) {
    try {
      step("gpg.sign", {{"files", exported["files"]}, {"key", key}});
      r.signed_ = true;
    } catch (const std::exception& e) {
      r.note = std::string("gpg.sign failed: ") + e.what();
    }
  } else {
    r.note = "gpg.sign not registered: export + checksum only";
  }
  r.wall = seconds_since(t0);
  r.cpu = self_cpu() - c0;
  return r;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path repo = arg(argc, argv, "--repo", "");
  std::string tag = arg(argc, argv, "--tag", "v1.0");
  std::string key = arg(argc, argv, "--key", "");
  int runs = std::stoi(arg(argc, argv, "--runs", "3"));
  std::filesystem::path work = arg(argc, argv, "--work", "/tmp/relman-bench-work");
  if (repo.empty() || key.empty()) {
    std::cerr << "usage: artifacts_bench --repo DIR --tag TAG --key FPR [--runs N] [--work DIR]\n";
    return 2;
  }
  const std::string prefix = "Bench-1.0";
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  fmt::print("tree: {} at {} ({})\n", repo.string(), tag,
             test::sh_ok("git -C " + test::quote(repo.string()) + " ls-tree -r -l " + test::quote(tag) +
                         " | awk '{n++; s+=$4} END {printf \"%d files, %.1f MB\", n, s/1e6}'"));
  fmt::print("cores: {}, runs: {}\n\n", cores, runs);

  std::vector<double> pipe_wall, relman_wall, xz_cpu;
  bool all_signed = true;
  std::string note;
  for (int i = 0; i < runs; ++i) {
    // Alternate the order so that a drift in machine load hits both sides.
    PipelineRun p;
    RelmanRun r;
    if (i % 2 == 0) {
      p = run_pipeline(repo, tag, prefix, key, work / "pipeline");
      r = run_relman(repo, tag, prefix, key, work / "relman");
    } else {
      r = run_relman(repo, tag, prefix, key, work / "relman");
      p = run_pipeline(repo, tag, prefix, key, work / "pipeline");
    }
    pipe_wall.push_back(p.wall);
    relman_wall.push_back(r.wall);
    xz_cpu.push_back(p.xz_cpu);
    all_signed = all_signed && r.signed_;
    if (!r.note.empty()) note = r.note;
    fmt::print("run {}: pipeline {:.2f} s (", i + 1, p.wall);
    for (size_t k = 0; k < p.steps.size(); ++k)
      fmt::print("{}{} {:.2f}", k ? ", " : "", p.steps[k].first, p.steps[k].second.wall);
    fmt::print(")\n       relman   {:.2f} s, {:.2f} s CPU (", r.wall, r.cpu);
    for (size_t k = 0; k < r.steps.size(); ++k)
      fmt::print("{}{} {:.2f}", k ? ", " : "", r.steps[k].first, r.steps[k].second);
    fmt::print(")\n");
  }
  auto size = [](const std::filesystem::path& f) {
    return std::filesystem::exists(f) ? std::filesystem::file_size(f) : 0;
  };
  double pm = median(pipe_wall), rm = median(relman_wall), floor = median(xz_cpu) / 2;
  fmt::print("\nmedian wall: pipeline {:.2f} s, relman {:.2f} s, ratio relman/pipeline {:.3f} (goal <= 0.55)\n", pm, rm,
             rm / pm);
  fmt::print("floor: xz -6 CPU {:.2f} s / 2 cores = {:.2f} s ({:.3f} of the pipeline)\n", median(xz_cpu), floor,
             floor / pm);
  fmt::print("peak RSS: relman (this process) {} MB, pipeline children {} MB (goal <= 256 MB)\n",
             maxrss_kb(RUSAGE_SELF) / 1024, maxrss_kb(RUSAGE_CHILDREN) / 1024);
  fmt::print("sizes: pipeline tgz {} txz {}; relman tgz {} txz {}\n", size(work / "pipeline" / (prefix + ".tgz")),
             size(work / "pipeline" / (prefix + ".tar.xz")), size(work / "relman/artifacts" / (prefix + ".tgz")),
             size(work / "relman/artifacts" / (prefix + ".tar.xz")));
  fmt::print("relman signed: {}{}\n", all_signed ? "yes" : "no", note.empty() ? "" : " (" + note + ")");
  return 0;
}
