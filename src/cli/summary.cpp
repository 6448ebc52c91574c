#include "cli/summary.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "adapters/sha256.h"
#include "cli/run_location.h"
#include "cli/say.h"
#include "cli/status_view.h"
#include "core/journal.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> step_order(const Workflow& wf) {
  std::vector<std::string> ids;
  for (const auto& s : wf.steps) ids.push_back(s.id);
  return ids;
}

}  // namespace

void print_summary(const Options& o, const OpenRun& run, Outcome outcome, int64_t started_ms) {
  say(o, "");
  say(o, fmt::format("relman: {} ({}), workflow {}, {} mode", run.version.long_name(), run.version.kind_name(),
                     run.workflow.name, run.state.mode));
  int done = 0, skipped = 0;
  for (const auto& step : run.workflow.steps) {
    const StepStatus* s = run.state.find(step.id);
    if (!s) continue;
    if (s->state == StepState::succeeded) ++done;
    if (s->state == StepState::skipped) ++skipped;
  }
  say(o, fmt::format("steps: {} succeeded, {} skipped, {} in all; this invocation took {}", done, skipped,
                     run.workflow.steps.size(), format_duration(now_ms() - started_ms)));
  auto sums = read_sha256sums(run.dir / "artifacts" / "SHA256SUMS");
  if (!sums.empty()) say(o, "artifacts:");
  for (const auto& [sha, file] : sums) {
    std::error_code ec;
    auto size = fs::file_size(run.dir / "artifacts" / file, ec);
    say(o, fmt::format("  {:<32} {:>12} bytes  sha256 {}", file, ec ? 0 : size, sha));
  }
  say(o, fmt::format("state: {}  (journal.jsonl, logs/, artifacts/)", run.dir.lexically_normal().string()));
  switch (outcome) {
    case Outcome::finished:
      say_result(o, "the run finished.");
      break;
    case Outcome::failed: {
      auto next = next_step(run.state, step_order(run.workflow), run.dir);
      say_result(o, fmt::format("next: {}: {}", next.why, next.command));
      break;
    }
    case Outcome::waiting: {
      for (const auto& step : run.workflow.steps)
        if (const StepStatus* s = run.state.find(step.id); s && s->state == StepState::waiting)
          say_result(
              o, fmt::format("waiting for approval: {}, then: {}", with_state_dir("relman approve " + step.id, run.dir),
                             with_state_dir("relman resume", run.dir)));
      break;
    }
    case Outcome::declined:
      if (!o.ci && !(::isatty(0) && ::isatty(1)))
        say_result(o, fmt::format("stopped before a remote step: there is no terminal to confirm it on. To go ahead "
                                  "without being asked: {}",
                                  with_state_dir("relman resume --yes", run.dir)));
      else
        say_result(o, fmt::format("stopped before a remote step; continue with: {}",
                                  with_state_dir("relman resume", run.dir)));
      break;
  }
}

}  // namespace relman::cli
