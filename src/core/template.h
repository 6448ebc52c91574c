// ${...} templates in workflow values (design.md): ${release.version},
// ${vars.NAME}, ${steps.ID.outputs.KEY}, ${env.NAME}, ${run.artifacts}.
// "$${" writes a literal "${".
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman {

struct TemplateExpr {
  std::string text;  // "steps.export.outputs.files"
  size_t offset = 0; // of the "${" in the string
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

// Expands every string in `value` (recursing into lists and mappings). A
// string that is exactly one expression takes the value's type (a list stays
// a list); otherwise values are interpolated (lists joined with spaces).
nlohmann::json expand_templates(const nlohmann::json& value, const TemplateResolver& resolve);
std::string expand_string(std::string_view s, const TemplateResolver& resolve);

}  // namespace relman
