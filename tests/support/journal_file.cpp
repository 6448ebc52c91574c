#include "support/journal_file.h"

#include <fstream>
#include <string>

namespace relman::test {

std::vector<nlohmann::json> journal_events(const std::filesystem::path& state_dir) {
  std::vector<nlohmann::json> out;
  std::ifstream in(state_dir / "journal.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

int count_events(const std::vector<nlohmann::json>& events, const std::string& event, const std::string& step) {
  int n = 0;
  for (const auto& e : events)
    if (e.value("event", "") == event && e.value("step", "") == step) ++n;
  return n;
}

}  // namespace relman::test
