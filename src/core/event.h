// The fields of a journal event that the state fold reads. An event comes
// either as JSON (the engine folds each event as it appends it) or straight
// from a journal line through EventReader, which loads a long journal
// without building a JSON tree per line.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace relman {

struct Event {
  std::string name;  // "event"
  std::string step;
  std::string error;
  std::string reason;
  std::string by;
  std::string next;  // step_failed: the command that continues (core/recovery.h)
  int64_t t_ms = 0;
  uint64_t seq = 0;
  bool reconciled = false;
  bool decide = false;       // step_failed: the effect is uncertain; retry or skip, never a plain resume
  bool has_outputs = false;  // outputs holds any JSON value, data too
  bool has_data = false;
  nlohmann::json outputs;
  nlohmann::json data;
  // The whole event when needs_whole() (the fold may move from it); null
  // otherwise.
  nlohmann::json whole;

  // Back to the state of a default Event, keeping string capacity.
  void clear();
  // Fills every field from `ev`, copying it into `whole` if needed.
  void assign(const nlohmann::json& ev);
};

// Whether the fold needs the whole event, not just these fields: the run's
// start and a workflow change carry the plan and the run's settings.
inline bool needs_whole(const Event& e) {
  return e.name == "run_started" || e.name == "workflow_changed" || e.name == "settings_changed";
}

}  // namespace relman
