#include "core/redactor.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "adapters/percent_encoding.h"

namespace relman {

namespace {

// The inside of a JSON string literal holding `s`.
std::string json_escaped(const std::string& s, bool ensure_ascii) {
  std::string quoted = nlohmann::json(s).dump(-1, ' ', ensure_ascii, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// Replaces every occurrence of any pattern (longest first at each place) in
// one left-to-right pass; returns whether anything changed.
bool replace_once(std::string& text, const std::vector<std::string>& patterns) {
  std::array<bool, 256> first{};
  for (const auto& p : patterns) first[static_cast<unsigned char>(p[0])] = true;
  std::string out;
  bool changed = false;
  size_t i = 0;
  while (i < text.size()) {
    bool hit = false;
    if (!first[static_cast<unsigned char>(text[i])]) {
      out += text[i++];
      continue;
    }
    for (const auto& p : patterns) {
      if (text.compare(i, p.size(), p) == 0) {
        out += "***";
        i += p.size();
        hit = changed = true;
        break;
      }
    }
    if (!hit) out += text[i++];
  }
  if (changed) text = std::move(out);
  return changed;
}

}  // namespace

std::vector<std::string> Redactor::encodings(const std::string& secret) {
  std::vector<std::string> out = {secret,
                                  json_escaped(secret, false),
                                  json_escaped(secret, true),
                                  percent_encode(secret, false, false),
                                  percent_encode(secret, true, false),
                                  percent_encode(secret, false, true),
                                  percent_encode(secret, true, true)};
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Redactor::add(const std::string& secret, const std::string& source) {
  if (secret.empty()) return;
  if (secret.size() < kMinLength)
    throw UnmaskableSecret(fmt::format(
        "the secret in {} is {} characters long; relman masks secrets in its journal, logs and output and "
        "refuses ones shorter than {} characters, which masking cannot hide. Use a longer token or "
        "passphrase (or unset {} if no step needs it)",
        source.empty() ? "a credential" : source, secret.size(), kMinLength, source.empty() ? "the variable" : source));
  if (secret.find_first_of("\r\n") != std::string::npos)
    throw UnmaskableSecret(
        fmt::format("the secret in {} holds a line break; relman masks logs a line at a time and cannot hide it. Use a "
                    "secret without line breaks",
                    source.empty() ? "a credential" : source));
  std::lock_guard lock(mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.push_back(secret);
  for (auto& e : encodings(secret))
    if (std::find(patterns_.begin(), patterns_.end(), e) == patterns_.end()) patterns_.push_back(std::move(e));
  // Longest first, so a secret that contains another is masked whole.
  std::stable_sort(patterns_.begin(), patterns_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::apply_locked(std::string text) const {
  if (patterns_.empty()) return text;
  // "***" next to what is left could form a secret again (one that holds
  // "***"); every pass makes the text shorter, so this ends.
  while (replace_once(text, patterns_)) {
  }
  return text;
}

std::string Redactor::apply(std::string text) const {
  std::lock_guard lock(mu_);
  return apply_locked(std::move(text));
}

void Redactor::mask_locked(nlohmann::json& j) const {
  if (j.is_string()) {
    j = apply_locked(j.get<std::string>());
  } else if (j.is_structured()) {
    for (auto& x : j) mask_locked(x);
  }
}

nlohmann::json Redactor::mask_values(nlohmann::json j, const std::vector<std::string>& keep) const {
  std::lock_guard lock(mu_);
  if (patterns_.empty()) return j;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::find(keep.begin(), keep.end(), it.key()) == keep.end()) mask_locked(it.value());
  } else {
    mask_locked(j);
  }
  return j;
}

bool Redactor::empty() const {
  std::lock_guard lock(mu_);
  return secrets_.empty();
}

}  // namespace relman
