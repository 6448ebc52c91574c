// Secrets (tokens, passphrases) must never reach the journal, logs or error
// messages: every writer passes what it writes through one Redactor.
//
// Masking works on values, never on serialised JSON: the journal masks each
// string value of an event before it is serialised (mask_values), so a
// secret that is also JSON text ("event", "1796") can never rewrite a key or
// a number, and a secret with quotes or backslashes cannot hide behind its
// escaped form. Raw bytes (log lines, messages) are masked in every form a
// secret takes there: as is, JSON-escaped and URL-encoded (apply).
#pragma once

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman {

// A secret that masking cannot hide: one too short (masking "abc"
// everywhere would wreck the logs and still let it be guessed from what is
// left), or one with a line break (logs are masked a line at a time).
class UnmaskableSecret : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Redactor {
 public:
  static constexpr size_t kMinLength = 8;

  // Registers a secret. `source` names where it came from (an environment
  // variable, a credentials file entry) for the error a too-short secret
  // raises: UnmaskableSecret saying which and what to do. An empty secret is
  // ignored (nothing to hide).
  void add(const std::string& secret, const std::string& source = "");
  // `text` with every form of every secret replaced by "***".
  std::string apply(std::string text) const;
  // The same on every string value of `j`, recursively; keys, numbers and
  // booleans are left alone. Top-level members named in `keep` (fields
  // relman writes from the workflow and the journal's own bookkeeping) are
  // not masked, so a secret can never change what an event means.
  nlohmann::json mask_values(nlohmann::json j, const std::vector<std::string>& keep = {}) const;
  bool empty() const;

  // The forms a secret takes in text: raw, JSON-escaped (with and without
  // \u escapes for non-ASCII), URL-encoded (upper and lower hex, '+' for
  // space). Public for tests.
  static std::vector<std::string> encodings(const std::string& secret);

 private:
  std::string apply_locked(std::string text) const;
  void mask_locked(nlohmann::json& j) const;

  mutable std::mutex mu_;
  std::vector<std::string> secrets_;   // as registered
  std::vector<std::string> patterns_;  // every encoding of every secret, longest first
};

}  // namespace relman
