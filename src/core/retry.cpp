#include "core/retry.h"

namespace relman {

std::vector<std::string> steps_to_reset(const Workflow& wf, const RunState& state, const std::string& id) {
  std::vector<std::string> reset = {id};
  for (const auto& d : wf.dependants(id)) {
    const StepStatus* s = state.find(d);
    if (!s) continue;
    if (s->state == StepState::succeeded || s->state == StepState::failed || s->state == StepState::waiting ||
        (s->state == StepState::skipped && s->skipped_by == "when"))
      reset.push_back(d);
  }
  return reset;
}

}  // namespace relman
