// Templates on any text: found expressions lie inside the text, and
// expansion (with a resolver that hands back pieces of the input, lists
// included) either succeeds within its size limit or throws one of the
// documented errors.
#include <cstdint>
#include <string>

#include "core/template.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relman;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<TemplateSyntaxError> errors;
  auto exprs = find_templates(text, &errors);
  for (const auto& e : exprs) {
    if (e.offset + e.text.size() + 3 > text.size()) fuzz::broken("an expression past the end of the text");
    if (e.parts().empty()) fuzz::broken("an expression without parts");
  }
  for (const auto& e : errors)
    if (e.offset >= text.size()) fuzz::broken("an error past the end of the text");
  // Each name resolves to the text itself, or to a list of it: nesting and
  // repetition grow fast, and must stop at the limit.
  auto resolve = [&](const TemplateExpr& e) -> nlohmann::json {
    if (e.text.empty()) throw std::out_of_range("empty");
    if (e.text[0] == 'l') return nlohmann::json::array({text, text, text});
    if (e.text[0] == 'x') throw std::out_of_range(e.text);
    return text;
  };
  constexpr size_t limit = 64 * 1024;
  try {
    nlohmann::json v = expand_templates(text, resolve, limit);
    if (v.is_string() && v.get_ref<const std::string&>().size() > limit) fuzz::broken("expanded past the limit");
    nlohmann::json doc = {{"a", text}, {"b", {text, text}}};
    expand_templates(doc, resolve, limit);
  } catch (const TemplateTooLarge&) {
  } catch (const std::out_of_range&) {
  } catch (const std::invalid_argument&) {
  } catch (const std::exception& e) {
    fuzz::unexpected("expand_templates", e);
  }
  return 0;
}
