#include "core/release_cycle.h"

#include <fmt/format.h>

#include <filesystem>

#include "adapters/durable.h"
#include "core/errors.h"

namespace relman {

namespace {

std::string var_string(const VarMap& vars, const std::string& name) {
  auto it = vars.find(name);
  if (it == vars.end() || it->second.is_null()) return "";
  if (it->second.is_string()) return it->second.get<std::string>();
  return it->second.dump();
}

}  // namespace

std::optional<nlohmann::json> load_release_cycle(const VarMap& vars) {
  const std::string path = var_string(vars, "release_cycle");
  if (path.empty()) return std::nullopt;
  std::string text;
  try {
    text = durable::read_file(path);
  } catch (const std::exception& e) {
    throw ConfigError(
        fmt::format("var release_cycle: {}; save https://peps.python.org/api/release-cycle.json "
                    "as {} or unset the var",
                    e.what(), path));
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw ConfigError(
        fmt::format("var release_cycle: {} is not a JSON object like "
                    "https://peps.python.org/api/release-cycle.json",
                    path));
  return j;
}

std::string release_pep(const Version& v, const VarMap& vars) {
  std::string pep = var_string(vars, "release_pep");
  if (!pep.empty()) return pep;
  if (auto cycle = load_release_cycle(vars)) {
    auto it = cycle->find(v.major_minor());
    if (it != cycle->end() && it->is_object() && it->contains("pep")) {
      const auto& p = (*it)["pep"];
      // Python's truthiness: 0, "" and null are "not found".
      if (p.is_number_integer() && p.get<long long>() != 0) return std::to_string(p.get<long long>());
      if (p.is_string() && !p.get<std::string>().empty()) return p.get<std::string>();
    }
  }
  return "TODO";
}

bool security_release(const Version& v, const VarMap& vars) {
  const std::string s = var_string(vars, "security");
  if (!s.empty()) return s == "true" || s == "yes" || s == "1";
  if (auto cycle = load_release_cycle(vars)) {
    auto it = cycle->find(v.major_minor());
    if (it != cycle->end() && it->is_object() && it->contains("status") && (*it)["status"].is_string())
      return (*it)["status"].get<std::string>() == "security";
  }
  return false;
}

}  // namespace relman
