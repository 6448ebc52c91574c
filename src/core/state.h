// The run's state is a fold over its journal: nothing else is stored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event.h"

namespace relman {

enum class StepState { pending, running, succeeded, failed, skipped, waiting };
std::string to_string(StepState s);

struct Attempt {
  int64_t started_ms = 0;
  int64_t ended_ms = 0;  // 0 while running (or if the process died)
  std::string result;    // succeeded, failed, interrupted, reconciled
  std::string error;
};

struct StepStatus {
  StepState state = StepState::pending;
  int attempts = 0;
  std::vector<Attempt> history;
  std::string error;       // last failure
  std::string next;        // the command the failure named (core/recovery.h); empty: relman resume
  std::string reason;      // why skipped
  std::string skipped_by;  // "when", "start", "user"
  nlohmann::json outputs = nlohmann::json::object();
  nlohmann::json checkpoint = nlohmann::json::object();  // current attempt's, until a reset
  bool approved = false;
  std::string approved_by;
  int64_t approved_ms = 0;
  int64_t waiting_since_ms = 0;
  bool reconciled = false;  // succeeded by probe after a crash
  // Failed with an uncertain effect (UncertainError, or a crash the probe
  // could not judge): resume never runs it again; `relman retry` or
  // `relman skip` decides.
  bool needs_decision = false;
  int64_t duration_ms() const;
};

struct RunState {
  bool started = false;
  nlohmann::json run;  // the run_started event, less its plan (which is below)
  std::string version;
  std::string mode;  // rehearse | execute
  std::string workflow_file;
  std::string workflow_hash;  // latest accepted
  // The steps in workflow order, [{id, uses, effect}], as recorded at the
  // start (and at each accepted workflow change): status needs no YAML.
  nlohmann::json plan = nlohmann::json::array();
  std::map<std::string, StepStatus> steps;
  // Every accepted `resume --var/--sign-with`: the settings_changed events.
  nlohmann::json settings_changes = nlohmann::json::array();
  bool finished = false;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  size_t events = 0;

  const StepStatus* find(const std::string& id) const {
    auto it = steps.find(id);
    return it == steps.end() ? nullptr : &it->second;
  }
};

// Applies events in order. Unknown event names are ignored (a later format
// minor addition); structural nonsense is a StateError.
RunState fold(const std::vector<nlohmann::json>& events);
void apply_event(RunState& state, const nlohmann::json& event);
// The same from an Event; its outputs may be moved out.
void apply_event(RunState& state, Event& event);

}  // namespace relman
