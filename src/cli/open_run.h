// A started run, as the commands see it: opened for driving (locked, its
// journal ready to append to) or read without the lock (status, log, report).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/journal.h"
#include "core/lock.h"
#include "core/redactor.h"
#include "core/state.h"
#include "core/version.h"
#include "core/workflow.h"

namespace relman::cli {

// An existing run opened for driving: locked, journal loaded, state folded.
struct OpenRun {
  std::filesystem::path dir;
  std::unique_ptr<RunLock> lock;
  Redactor redactor;
  std::unique_ptr<Journal> journal;
  RunState state;
  Workflow workflow;
  Version version;
  std::map<std::string, std::string> var_overrides;
  // Events recorded before the engine runs (run_started, resets...), so
  // that --ci streams every event of the invocation.
  std::vector<nlohmann::json> unprinted;
};

// Journals an event of the command itself (not the engine's) and folds it.
void record(OpenRun& run, nlohmann::json event);

// Locks and loads a started run; checks the workflow still has the hash the
// run recorded unless `accept_change`.
std::unique_ptr<OpenRun> open_run(const std::filesystem::path& dir, bool accept_change);

// Reads a run without locking (status, log, report).
struct ReadRun {
  std::filesystem::path dir;
  RunState state;
  std::optional<Workflow> workflow;  // when it still loads
  std::string warning;               // torn tail, workflow problems
};
// The workflow is loaded only when `with_workflow` or when the journal has
// no plan (written by an older relman).
ReadRun read_run(const std::filesystem::path& dir, bool with_workflow = true);

}  // namespace relman::cli
