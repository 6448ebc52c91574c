// docs/steps.md and the step kinds' ParamSpecs say the same thing: every
// registered kind has a section, its parameter table names exactly the
// parameters the kind takes, and a required parameter is documented as
// required. A parameter added in code without its row (or a row left behind
// after one is removed) fails here, naming both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "core/step_kind.h"
#include "test_paths.h"

namespace relman {
namespace {

struct Row {
  bool required = false;
};

// Splits "| a | b |" into its trimmed cells.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  return out;
}

// The rows of the tables headed "| Parameter |" in each "### kind" section
// (fenced code blocks skipped). "Required" is read from the column whose
// header starts with "Required": "required" or "yes" in it.
std::map<std::string, std::map<std::string, Row>> documented_params() {
  std::ifstream in(std::string(RELMAN_SOURCE_DIR) + "/docs/steps.md");
  std::map<std::string, std::map<std::string, Row>> out;
  std::string line, section;
  bool fenced = false;
  size_t required_col = std::string::npos;  // npos: not in a parameter table
  static const std::regex name_re("^`([^`]+)`$");
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (fenced) continue;
    if (line.rfind("### ", 0) == 0) {
      section = line.substr(4);
      required_col = std::string::npos;
    } else if (line.rfind("## ", 0) == 0 || line.rfind("# ", 0) == 0) {
      section.clear();
    } else if (line.rfind('|', 0) == 0 && !section.empty()) {
      auto row = cells(line);
      if (row.empty()) continue;
      if (row[0] == "Parameter" || row[0] == "parameter") {
        required_col = 2;
        for (size_t i = 0; i < row.size(); ++i)
          if (row[i].rfind("Required", 0) == 0 || row[i].rfind("required", 0) == 0) required_col = i;
        out[section];
        continue;
      }
      std::smatch m;
      if (required_col == std::string::npos || !std::regex_match(row[0], m, name_re)) continue;
      std::string req = required_col < row.size() ? row[required_col] : "";
      out[section][m[1].str()].required = req.rfind("required", 0) == 0 || req == "yes";
    } else {
      required_col = std::string::npos;
    }
  }
  return out;
}

TEST(StepDocs, EveryKindsParameterTableMatchesItsParamSpecs) {
  auto docs = documented_params();
  ASSERT_FALSE(docs.empty()) << "no parameter tables found in docs/steps.md";
  for (const auto& name : StepRegistry::instance().names()) {
    if (name.rfind("test.", 0) == 0) continue;  // tests/support's fake kinds
    const StepKind* kind = StepRegistry::instance().find(name);
    std::map<std::string, bool> in_code;
    for (const auto& p : kind->params()) in_code[p.name] = p.required;
    auto it = docs.find(name);
    if (in_code.empty() && it == docs.end()) continue;  // no parameters, no table
    if (it == docs.end()) {
      ADD_FAILURE() << "docs/steps.md has no '### " << name << "' section with a parameter table";
      continue;
    }
    std::set<std::string> documented, taken;
    for (const auto& [param, row] : it->second) documented.insert(param);
    for (const auto& [param, required] : in_code) taken.insert(param);
    EXPECT_EQ(documented, taken) << name << ": the parameter table in docs/steps.md and params() differ";
    for (const auto& [param, required] : in_code) {
      auto row = it->second.find(param);
      if (row == it->second.end()) continue;  // reported above
      EXPECT_EQ(row->second.required, required)
          << name << "." << param << (required ? " is required but not documented so" : " is documented as required");
    }
  }
}

}  // namespace
}  // namespace relman
