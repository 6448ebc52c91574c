// Secrets (tokens, passphrases) must never reach the journal, logs or error
// messages: every writer passes its text through one Redactor.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace relman {

class Redactor {
 public:
  // Secrets shorter than 4 characters are ignored: masking "a" everywhere
  // would wreck the logs and protects nothing.
  void add(const std::string& secret);
  std::string apply(std::string text) const;
  bool empty() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> secrets_;
};

}  // namespace relman
