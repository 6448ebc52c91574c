#include "core/recovery.h"

#include <fmt/format.h>

#include <deque>
#include <set>

namespace relman {

namespace {

// Breadth first over `needs`: the closest ancestor wins, so a workflow with
// two tags retries the one this step was built from.
const StepDef* nearest_needed(const Workflow& wf, const std::string& from, const std::string& kind) {
  std::deque<std::string> queue = {from};
  std::set<std::string> seen = {from};
  while (!queue.empty()) {
    const StepDef* s = wf.find(queue.front());
    queue.pop_front();
    if (!s) continue;
    for (const auto& n : s->needs) {
      if (!seen.insert(n).second) continue;
      const StepDef* d = wf.find(n);
      if (d && d->uses == kind) return d;
      queue.push_back(n);
    }
  }
  return nullptr;
}

}  // namespace

std::string next_command(const Workflow& wf, const std::string& failed_step, const Recovery& recovery) {
  switch (recovery.kind) {
    case Recovery::Kind::resume:
      return {};
    case Recovery::Kind::retry_self:
      return "relman retry " + failed_step;
    case Recovery::Kind::retry_kind:
      if (const StepDef* d = nearest_needed(wf, failed_step, recovery.step_kind)) return "relman retry " + d->id;
      return "relman retry " + failed_step;
  }
  return {};
}

std::string decide_commands(const std::string& step, const std::function<std::string(const std::string&)>& shown) {
  auto show = [&](const std::string& c) { return shown ? shown(c) : c; };
  return fmt::format("{} (it did not happen) or {}", show("relman retry " + step),
                     show("relman skip " + step + " --reason \"it went out\""));
}

}  // namespace relman
