// The engine: folds nothing itself (state.h does), knows nothing of git, GPG
// or HTTP (step kinds do). It reconciles steps a crash left running, runs
// ready steps on up to --jobs workers, stops at gates, and journals every
// transition before moving on.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/journal.h"
#include "core/redactor.h"
#include "core/scope.h"
#include "core/state.h"
#include "core/workflow.h"

namespace relman {

struct EngineOptions {
  int jobs = 1;
  bool auto_approve = false;  // --auto-approve: every gate, recorded as such
  bool ci = false;            // --ci: never ask; gates follow their `approve` policy
  bool interactive = false;   // a terminal may be asked
  bool assume_yes = false;    // --yes: no confirmation before remote effects
  RunPaths paths;
  Sandbox sandbox;
  VarMap vars;
  // Asks the release manager at a gate (interactive only); true approves.
  std::function<bool(const StepDef&, const std::string& message)> ask_gate;
  // Before a step with a remote effect in a real run; false stops the run.
  std::function<bool(const StepDef&, const nlohmann::json& with)> confirm_remote;
  // Every journaled event, after it is durable.
  std::function<void(const nlohmann::json& event)> on_event;
  std::function<void(const std::string& step, const std::string& line)> on_progress;
  std::function<void(const std::string& message)> warn;
  // Who approves at an interactive gate (cli/identity.h); empty: the gate
  // waits, whatever ask_gate answers.
  std::string approver;
  // Called every `poll_ms` while the engine waits for running steps: another
  // process may have handed over an approval (cli/handover.h). It records
  // what it takes through `record` and returns whether it recorded anything;
  // the engine then looks at the steps again without waiting for a step to end.
  std::function<bool(const std::function<void(nlohmann::json)>& record)> poll;
  int poll_ms = 250;
};

enum class Outcome { finished, failed, waiting, declined };

class Engine {
 public:
  Engine(const Workflow& wf, const Version& version, Journal& journal, RunState& state, Redactor& redactor,
         EngineOptions options);
  Outcome run();

  // Records an event and folds it into the state (thread-safe).
  // `sync` false defers the fsync to the next synced event (Journal::append).
  nlohmann::json record(nlohmann::json event, bool sync = true);

 private:
  struct Done {
    std::string id;
    bool ok = false;
    nlohmann::json outputs;
    std::string error;
    bool uncertain = false;  // UncertainError: retry or skip decides
    std::string next;        // core/recovery.h
  };

  // Probes steps a crash left running; returns those it marked failed.
  std::set<std::string> reconcile();
  // Call with mu_ held; `memo` lives for one pass over the steps.
  bool finished(const std::string& id, std::map<std::string, bool>& memo) const;
  bool deps_done(const StepDef& step, std::map<std::string, bool>& memo) const;
  // Returns false when the gate must wait.
  bool pass_gate(const StepDef& step);
  // The context a step runs (or is probed) in: templates expanded, the
  // checkpoint of its current attempt, journaling callbacks.
  std::unique_ptr<StepContext> make_context(const StepDef& step, StepLog& log);
  Done execute(const StepDef& step, int attempt);

  const Workflow& wf_;
  Version version_;
  Journal& journal_;
  RunState& state_;
  Redactor& redactor_;
  EngineOptions opt_;
  std::recursive_mutex mu_;
};

}  // namespace relman
