// `when:` conditions on the release: kinds (alpha, beta, first_beta, rc,
// final, prerelease) and `security` (the branch takes security fixes only),
// combined with and/or/not and parentheses, and comparisons of vars:
// `vars.sign == 'yes'`, and of the feature version:
// `release.major_minor >= '3.14'`.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <vector>

#include "core/version.h"

namespace relman {

class Condition {
 public:
  // Throws ConditionSyntaxError with the column (0-based) of the problem.
  static Condition parse(const std::string& text);
  // Vars are strings or lists of strings (a list compares as its items
  // joined with spaces).
  bool eval(const Version& v, const std::map<std::string, nlohmann::json>& vars) const;
  const std::string& text() const { return text_; }
  // Var names the condition reads, to check they exist at load time.
  std::vector<std::string> vars() const;

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

struct ConditionSyntaxError {
  size_t column;
  std::string message;
};

}  // namespace relman
