#include "core/redactor.h"

#include <algorithm>

namespace relman {

void Redactor::add(const std::string& secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.push_back(secret);
    // Longest first, so a secret that contains another is masked whole.
    std::sort(secrets_.begin(), secrets_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }
}

std::string Redactor::apply(std::string text) const {
  std::lock_guard lock(mu_);
  for (const auto& s : secrets_) {
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3))
      text.replace(pos, s.size(), "***");
  }
  return text;
}

bool Redactor::empty() const {
  std::lock_guard lock(mu_);
  return secrets_.empty();
}

}  // namespace relman
