#include "support/step_harness.h"

#include <stdexcept>

#include "support/temp_dir.h"

namespace relman::test {

StepHarness::StepHarness(const std::string& kind, const std::filesystem::path& repo,
                         const std::filesystem::path& state_dir, const std::string& version)
    : kind_(StepRegistry::instance().find(kind)) {
  if (!kind_) throw std::runtime_error("step kind not registered: " + kind);
  std::filesystem::create_directories(state_dir / "artifacts");
  std::filesystem::create_directories(state_dir / "work" / "step");
  log_ = std::make_unique<StepLog>(state_dir / "logs" / "step.log", &redactor_);
  ctx_.step_id = "step";
  ctx_.release = Version::parse(version);
  ctx_.with = json::object();
  ctx_.repo = repo;
  ctx_.state_dir = state_dir;
  ctx_.artifacts_dir = state_dir / "artifacts";
  ctx_.work_dir = state_dir / "work" / "step";
  ctx_.log = log_.get();
  ctx_.redactor = &redactor_;
  ctx_.save_checkpoint = [this](const json& data) { ctx_.checkpoint.update(data); };
  ctx_.progress = [](const std::string&) {};
}

std::string StepHarness::log() const { return read_file(log_->path()); }

}  // namespace relman::test
