// The rows of `relman status` (and of the report): the workflow's steps in
// order with their folded state, plus the next action in words.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/open_run.h"
#include "cli/terminal.h"

namespace relman::cli {

struct StatusRow {
  std::string id;
  std::string uses;
  std::string effect;
  const StepStatus& status;  // into the ReadRun's state (a shared "pending" if never started)
};

std::vector<StatusRow> status_rows(const ReadRun& r);
nlohmann::json status_json(const ReadRun& r, const std::vector<StatusRow>& rows);
// Fits `width` columns: a failed step's message first (wrapped), the running
// step with its elapsed time and the pid holding the lock, notes cut to fit,
// then the settings changed since the start.
std::string status_table(const ReadRun& r, const std::vector<StatusRow>& rows, const Terminal& term, size_t width = 80);
// One settings_changed event in words: "TIME by WHO: vars.project Python -> Minipy".
std::string describe_settings_change(const nlohmann::json& event);
std::string next_action(const ReadRun& r, const std::vector<StatusRow>& rows, const std::filesystem::path& dir);

// The one command that continues the run, and why, as status, the summary,
// --ci and the report all print it: a failed step's own recovery (its
// step_failed `next`, e.g. `relman retry tag` after a build broke on the
// source), approve at a waiting gate, else resume. Empty when finished.
struct NextStep {
  std::string command;  // with --state-dir when it is needed
  std::string why;
};
NextStep next_step(const RunState& st, const std::vector<std::string>& order, const std::filesystem::path& dir);

}  // namespace relman::cli
