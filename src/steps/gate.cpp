// gate: PEP 101's "STOP STOP STOP". The engine handles the waiting and the
// approval; the kind exists so workflows can name it and give a message.
#include "core/step_kind.h"

namespace relman::steps {
namespace {

class Gate : public StepKind {
 public:
  std::string name() const override { return "gate"; }
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {{"message", ParamType::string, false, "what the release manager waits for"}};
  }
  std::vector<std::string> outputs() const override { return {"approved_by"}; }
  json run(StepContext&) const override { return json::object(); }
  ProbeOutcome probe(StepContext&) const override { return {ProbeResult::not_done, {}, "gates are approved, not probed"}; }
};

RELMAN_REGISTER_STEP(Gate, "gate");

}  // namespace
}  // namespace relman::steps
