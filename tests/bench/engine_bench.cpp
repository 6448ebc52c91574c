// Engine benchmark (not a test: it prints figures).
//   1. 1,000 steps of a no-op kind through the engine, journal fsync'd on
//      every event as always: milliseconds per step (goal <= 2 ms).
//   2. `relman status` on a 10,000-event journal, the whole process: ms
//      (goal <= 50 ms); the load + fold alone, in process, streamed as
//      status does it and, for comparison, through a JSON tree per line;
//      and `relman --version`, the process start-up that status pays too.
// Run: build/engine_bench [DIR]   (DIR: where to write; default /tmp, so the
// figure is that of the disk a state directory would live on)
#include <fmt/format.h>
#include "test_paths.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

#include "core/engine.h"
#include "core/journal.h"
#include "core/redactor.h"
#include "core/state.h"
#include "core/workflow.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace {

using namespace relman;
using Clock = std::chrono::steady_clock;

class Noop : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override { return {}; }
  json run(StepContext&) const override { return json::object(); }
  ProbeOutcome probe(StepContext&) const override { return {ProbeResult::not_done, {}, ""}; }
};
RELMAN_REGISTER_STEP(Noop, "bench.noop");

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double engine_ms_per_step(const std::filesystem::path& root, int steps, int jobs) {
  test::TempDir dir;
  auto wf_file = dir / "wf.yaml";
  {
    std::ofstream out(wf_file);
    out << "name: bench\nsteps:\n";
    for (int i = 0; i < steps; ++i) out << "  - id: s" << i << "\n    uses: bench.noop\n";
  }
  Workflow wf = load_workflow(wf_file);
  auto state_dir = root / fmt::format("engine-{}", ::getpid());
  std::filesystem::remove_all(state_dir);
  std::filesystem::create_directories(state_dir);
  Redactor redactor;
  Journal journal(state_dir / "journal.jsonl", Journal::Loaded{}, &redactor);
  RunState state;
  apply_event(state, journal.append({{"event", "run_started"}, {"version", "3.12.0"}, {"mode", "rehearse"}}));
  EngineOptions o;
  o.jobs = jobs;
  o.paths.repo = dir.path();
  o.paths.state = state_dir;
  o.paths.artifacts = state_dir / "artifacts";
  o.paths.logs = state_dir / "logs";
  auto t0 = Clock::now();
  Engine engine(wf, Version::parse("3.12.0"), journal, state, redactor, o);
  if (engine.run() != Outcome::finished) throw std::runtime_error("bench run did not finish");
  double per = ms_since(t0) / steps;
  std::filesystem::remove_all(state_dir);
  return per;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path root = argc > 1 ? argv[1] : "/tmp";
  const int runs = 3;
  std::vector<double> per1, per2;
  for (int i = 0; i < runs; ++i) {
    per1.push_back(engine_ms_per_step(root, 1000, 1));
    per2.push_back(engine_ms_per_step(root, 1000, 2));
  }
  fmt::print("engine: 1000 no-op steps, journal fsync'd per event, under {}\n", root.string());
  fmt::print("  --jobs 1: {:.3f} ms/step (median of {}; runs: {:.3f} {:.3f} {:.3f})\n", median(per1), runs, per1[0],
             per1[1], per1[2]);
  fmt::print("  --jobs 2: {:.3f} ms/step (median of {})\n", median(per2), runs);
  fmt::print("  goal: <= 2 ms/step\n");

  // A 10,000-event journal: 3,333 steps started, checkpointed, succeeded.
  test::TempDir dir;
  auto state = dir / "release-state" / "3.12.0";
  std::filesystem::create_directories(state);
  {
    std::ofstream wf(dir / "wf.yaml");
    wf << "name: bench\nsteps:\n";
    for (int i = 0; i < 3333; ++i) wf << "  - id: s" << i << "\n    uses: exec\n    with: {argv: [\"true\"]}\n";
  }
  {
    std::ofstream j(state / "journal.jsonl");
    int64_t t = 1'790'000'000'000;
    json plan = json::array();  // as `relman rehearse` records it
    for (int i = 0; i < 3333; ++i)
      plan.push_back({{"id", "s" + std::to_string(i)}, {"uses", "exec"}, {"effect", "local"}});
    j << json{{"v", 1},
              {"seq", 1},
              {"event", "run_started"},
              {"t_ms", t},
              {"time", iso_time(t)},
              {"version", "3.12.0"},
              {"kind", "final"},
              {"mode", "rehearse"},
              {"workflow", (dir / "wf.yaml").string()},
              {"workflow_hash", "x"},
              {"plan", plan}}
             .dump()
      << "\n";
    int seq = 2;
    for (int i = 0; i < 3333; ++i) {
      std::string id = "s" + std::to_string(i);
      for (const char* ev : {"step_started", "step_checkpoint", "step_succeeded"}) {
        json e = {{"v", 1}, {"seq", seq++}, {"event", ev}, {"step", id}, {"t_ms", t += 3}, {"time", iso_time(t)}};
        if (std::string(ev) == "step_checkpoint") e["data"] = {{"commit", "0123456789abcdef0123456789abcdef01234567"}};
        if (std::string(ev) == "step_succeeded") e["outputs"] = {{"files", {"a.tgz", "a.tar.xz"}}, {"exit_code", 0}};
        j << e.dump() << "\n";
      }
    }
  }
  std::vector<double> fold_ms, tree_ms, status_ms, json_ms, version_ms;
  size_t events = 0;
  const int rounds = 11;
  for (int i = 0; i < rounds; ++i) {
    // As `relman status` loads a run: each line streamed into the fold.
    auto t0 = Clock::now();
    {
      RunState st;
      Journal::scan(state / "journal.jsonl", [&](Event& e) { apply_event(st, e); });
      events = st.events;
    }
    fold_ms.push_back(ms_since(t0));
    // For comparison: a JSON tree per line, then the fold.
    t0 = Clock::now();
    {
      auto loaded = Journal::read(state / "journal.jsonl");
      auto st = fold(loaded.events);
    }
    tree_ms.push_back(ms_since(t0));
    t0 = Clock::now();
    test::sh(test::quote(RELMAN_BINARY) + " --version >/dev/null");
    version_ms.push_back(ms_since(t0));
    t0 = Clock::now();
    auto r =
        test::sh(test::quote(RELMAN_BINARY) + " status --state-dir " + test::quote(state.string()) + " >/dev/null");
    status_ms.push_back(ms_since(t0));
    if (r.exit_code != 0) throw std::runtime_error("status failed: " + r.err);
    t0 = Clock::now();
    test::sh(test::quote(RELMAN_BINARY) + " status --json --state-dir " + test::quote(state.string()) + " >/dev/null");
    json_ms.push_back(ms_since(t0));
  }
  fmt::print("status: {} events ({} steps), medians of {}\n", events, 3333, rounds);
  fmt::print("  load + fold in process, streamed (as status does): {:.1f} ms\n", median(fold_ms));
  fmt::print("  load + fold in process, a JSON tree per line:      {:.1f} ms\n", median(tree_ms));
  fmt::print("  `relman --version` whole process (start-up alone): {:.1f} ms\n", median(version_ms));
  fmt::print("  `relman status` whole process:                     {:.1f} ms\n", median(status_ms));
  fmt::print("  `relman status --json` whole process:              {:.1f} ms\n", median(json_ms));
  fmt::print("  goal: <= 50 ms (whole process, through /bin/sh)\n");
  return 0;
}
