// Approvals from a second process. The relman driving a run holds its lock
// for hours (a long build); `relman approve` must still work meanwhile, and
// only the lock holder may append to the journal (it numbers the events).
// So the approver drops a request file in <state>/requests/, and the holder
// records it: the engine polls while it waits for running steps
// (EngineOptions::poll), and every command that opens the run takes what
// is left (the holder may have exited before it looked).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/workflow.h"

namespace relman::cli {

std::filesystem::path requests_dir(const std::filesystem::path& state_dir);

// Writes the request atomically; returns its path (gone once taken).
std::filesystem::path hand_over_approval(const std::filesystem::path& state_dir, const std::string& step,
                                         const std::string& by);

// Records a step_approved event for each request naming a gate of `wf`,
// then deletes the request; a request that names no gate, or is not
// readable, is renamed *.rejected with a warning. Returns how many it
// recorded.
int take_handed_over(const std::filesystem::path& state_dir, const Workflow& wf,
                     const std::function<void(nlohmann::json)>& record,
                     const std::function<void(const std::string&)>& warn);

// Whether a request to approve `step` is waiting to be taken: the driving
// relman withdraws its terminal question for that gate when one arrives.
bool approval_requested(const std::filesystem::path& state_dir, const std::string& step);

// The pid written in <state>/lock and when it was taken, if a process holds
// the lock now.
struct LockHolder {
  long pid = 0;
  int64_t since_ms = 0;
};
std::optional<LockHolder> lock_holder(const std::filesystem::path& state_dir);

}  // namespace relman::cli
