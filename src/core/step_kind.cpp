#include "core/step_kind.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "core/errors.h"

namespace relman {

std::string to_string(Effect e) {
  switch (e) {
    case Effect::none:
      return "none";
    case Effect::local:
      return "local";
    case Effect::remote:
      return "remote";
  }
  return "none";
}

std::string to_string(ParamType t) {
  switch (t) {
    case ParamType::string:
      return "a string";
    case ParamType::integer:
      return "an integer";
    case ParamType::boolean:
      return "true or false";
    case ParamType::string_list:
      return "a list of strings";
    case ParamType::string_or_list:
      return "a string or a list of strings";
    case ParamType::map:
      return "a mapping";
    case ParamType::any:
      return "any value";
  }
  return "any value";
}

std::string to_string(RunMode m) { return m == RunMode::execute ? "execute" : "rehearse"; }

std::string to_string(ProbeResult r) {
  switch (r) {
    case ProbeResult::done:
      return "done";
    case ProbeResult::not_done:
      return "not-done";
    case ProbeResult::unknown:
      return "unknown";
  }
  return "unknown";
}

void StepContext::add_secret(const std::string& s, const std::string& source) const {
  if (!redactor) return;
  try {
    redactor->add(s, source);
  } catch (const UnmaskableSecret& e) {
    throw StepError(fmt::format("{}", e.what()));
  }
}

std::string StepContext::str(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const json& v = with.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  throw StepError(fmt::format("parameter '{}' must be a string, got {}", key, v.dump()));
}

std::string StepContext::str(const std::string& key) const {
  if (!has(key)) throw StepError(fmt::format("parameter '{}' is required", key));
  return str(key, "");
}

std::vector<std::string> StepContext::list(const std::string& key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const json& v = with.at(key);
  // A list may hold templates that were lists (`[a, "${steps.x.outputs.files}"]`):
  // their items are spliced in, and a skipped step's null adds nothing.
  std::function<void(const json&, bool)> one = [&](const json& x, bool nested) {
    if (x.is_null() && nested) return;
    if (x.is_array() && nested) {
      for (const auto& y : x) one(y, false);
      return;
    }
    if (x.is_string()) out.push_back(x.get<std::string>());
    else if (x.is_number() || x.is_boolean()) out.push_back(x.dump());
    else throw StepError(fmt::format("parameter '{}' must hold strings, got {}", key, x.dump()));
  };
  if (v.is_array())
    for (const auto& x : v) one(x, true);
  else one(v, false);
  return out;
}

bool StepContext::flag(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const json& v = with.at(key);
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    auto s = v.get<std::string>();
    if (s == "true" || s == "yes") return true;
    if (s == "false" || s == "no") return false;
  }
  throw StepError(fmt::format("parameter '{}' must be true or false, got {}", key, v.dump()));
}

long long StepContext::integer(const std::string& key, long long fallback) const {
  if (!has(key)) return fallback;
  const json& v = with.at(key);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      auto s = v.get<std::string>();
      long long n = std::stoll(s, &used);
      if (used == s.size()) return n;
    } catch (const std::exception&) {
    }
  }
  throw StepError(fmt::format("parameter '{}' must be an integer, got {}", key, v.dump()));
}

std::filesystem::path StepContext::repo_path(const std::string& p) const {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : repo / path;
}

std::filesystem::path StepContext::artifact_path(const std::string& p) const {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : artifacts_dir / path;
}

StepRegistry& StepRegistry::instance() {
  static StepRegistry registry;
  return registry;
}

void StepRegistry::add(const std::string& name, Factory f) { kinds_.emplace_back(name, f()); }

const StepKind* StepRegistry::find(const std::string& name) const {
  for (const auto& [n, k] : kinds_)
    if (n == name) return k.get();
  return nullptr;
}

std::vector<std::string> StepRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, k] : kinds_) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace relman
