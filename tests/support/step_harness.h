// Runs one step kind directly, outside the engine, with a real state
// directory, log and checkpoint store: for the tests of each step kind.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/redactor.h"
#include "core/step_kind.h"
#include "core/step_log.h"

namespace relman::test {

class StepHarness {
 public:
  // `kind` is a registered name ("git.tag"); `state_dir` is created.
  StepHarness(const std::string& kind, const std::filesystem::path& repo, const std::filesystem::path& state_dir,
              const std::string& version = "3.12.0");

  StepContext& ctx() { return ctx_; }
  json& with() { return ctx_.with; }
  const StepKind& kind() const { return *kind_; }
  json run() { return kind_->run(ctx_); }
  ProbeOutcome probe() { return kind_->probe(ctx_); }
  // The step's log so far.
  std::string log() const;
  Redactor& redactor() { return redactor_; }

 private:
  const StepKind* kind_;
  Redactor redactor_;
  std::unique_ptr<StepLog> log_;
  StepContext ctx_;
};

}  // namespace relman::test
