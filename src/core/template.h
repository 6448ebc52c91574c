// ${...} templates in workflow values (docs/workflow-format.md): ${release.version},
// ${vars.NAME}, ${steps.ID.outputs.KEY}, ${env.NAME}, ${run.artifacts}.
// "$${" writes a literal "${".
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman {

struct TemplateExpr {
  std::string text;                        // "steps.export.outputs.files"
  size_t offset = 0;                       // of the "${" in the string
  std::vector<std::string> parts() const;  // split on '.'
};

// A malformed "${" at `offset` of the string.
struct TemplateSyntaxError {
  size_t offset;
  std::string message;
};
// Every well-formed expression in `s`; malformed ones go to `errors`.
std::vector<TemplateExpr> find_templates(std::string_view s, std::vector<TemplateSyntaxError>* errors = nullptr);

// Resolves one expression to a value; throws std::out_of_range with a
// message when the name is unknown.
using TemplateResolver = std::function<nlohmann::json(const TemplateExpr&)>;

// What one expansion may produce at most (bytes of text, plus one per list
// item or mapping entry): vars that each repeat the one before ten times
// would otherwise grow without bound ("template bomb").
inline constexpr size_t kMaxExpandedSize = size_t{1} << 20;

// Thrown when an expansion would exceed its limit; callers add whose it was.
class TemplateTooLarge : public std::length_error {
 public:
  using std::length_error::length_error;
};

// Expands every string in `value` (recursing into lists and mappings). A
// string that is exactly one expression takes the value's type (a list stays
// a list); otherwise values are interpolated (lists joined with spaces).
// Throws TemplateTooLarge past `limit`.
nlohmann::json expand_templates(const nlohmann::json& value, const TemplateResolver& resolve,
                                size_t limit = kMaxExpandedSize);
std::string expand_string(std::string_view s, const TemplateResolver& resolve, size_t limit = kMaxExpandedSize);

}  // namespace relman
