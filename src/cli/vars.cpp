#include "cli/vars.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace relman::cli {

std::map<std::string, std::string> parse_vars(const std::vector<std::string>& kv) {
  std::map<std::string, std::string> out;
  for (const auto& s : kv) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(fmt::format("--var '{}': expected KEY=VALUE", s));
    out[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return out;
}

std::map<std::string, std::string> recorded_vars(const RunState& st) {
  std::map<std::string, std::string> out;
  const nlohmann::json settings = st.run.value("settings", nlohmann::json::object());
  const nlohmann::json vars = settings.value("vars", nlohmann::json::object());
  for (auto it = vars.begin(); it != vars.end(); ++it)
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

}  // namespace relman::cli
