// Drives the real Engine and Journal in this process, as `relman rehearse`
// and `relman resume` would, on a workflow of any step kinds (the fake one,
// gates): the scheduler's tests need no binary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/journal.h"
#include "core/state.h"
#include "core/version.h"
#include "core/workflow.h"

namespace relman::test {

struct EngineRun {
  std::filesystem::path state_dir;
  const Workflow* workflow = nullptr;
  Version version = Version::parse("3.12.0");
  int jobs = 2;
  std::vector<std::string> skip_at_start;
  Journal::FaultHook hook;  // for the next invocations

  // The run's start when the journal is empty, otherwise a resume; then the
  // engine until it stops. After it, the engine's state is compared with a
  // fold of the journal on disk: differences go to `mismatch`.
  Outcome invoke();
  std::string mismatch;

  // An event appended as a command would (approve, skip, reset), under no
  // engine.
  void append(nlohmann::json event);
  // `relman retry ID`: the step and what ran on its results start over.
  void retry(const std::string& id);
  RunState state() const;
};

// "" when the two states agree on every step's state, attempts, outputs and
// need for a decision; otherwise the first difference.
std::string diff_states(const RunState& a, const RunState& b);

}  // namespace relman::test
