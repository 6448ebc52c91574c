// A state directory's journal.jsonl read back as JSON events, for tests
// that check what a run recorded (the real reader, Journal::read, would
// hide a torn tail; tests want to see every line).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman::test {

std::vector<nlohmann::json> journal_events(const std::filesystem::path& state_dir);

// How many of `events` are `event` for `step` (a kill test's "sent once").
int count_events(const std::vector<nlohmann::json>& events, const std::string& event, const std::string& step);

}  // namespace relman::test
