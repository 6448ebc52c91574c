// gate: PEP 101's "STOP STOP STOP". A trait of the kind (is_gate) makes the
// engine wait for an approval instead of running it; run() is never called.
#include "core/step_kind.h"

namespace relman::steps {
namespace {

class Gate : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  bool is_gate() const override { return true; }
  std::vector<ParamSpec> params() const override {
    return {{"message", ParamType::string, false, "what the release manager waits for"}};
  }
  std::vector<std::string> outputs() const override { return {"approved_by"}; }
  json run(StepContext&) const override { throw std::logic_error("a gate is approved, never run"); }
  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, {}, "gates are approved, not probed"};
  }
};

RELMAN_REGISTER_STEP(Gate, "gate");

}  // namespace
}  // namespace relman::steps
