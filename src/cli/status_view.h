// The rows of `relman status` (and of the report): the workflow's steps in
// order with their folded state, plus the next action in words.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/run_support.h"
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
std::string status_table(const ReadRun& r, const std::vector<StatusRow>& rows, const Terminal& term);
std::string next_action(const ReadRun& r, const std::vector<StatusRow>& rows, const std::filesystem::path& dir);

}  // namespace relman::cli
