// `when` conditions on any text: parse or ConditionSyntaxError with a
// column inside the text; what parses evaluates for every kind of release.
#include <cstdint>
#include <string>

#include "core/condition.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relman;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    Condition c = Condition::parse(text);
    std::map<std::string, nlohmann::json> vars;
    for (const auto& v : c.vars()) vars[v] = "yes";
    for (const char* version : {"3.12.0", "3.12.0rc1", "3.13.0b1", "3.13.0b2", "3.14.0a1"}) {
      bool a = c.eval(Version::parse(version), vars);
      bool b = Condition::parse(c.text()).eval(Version::parse(version), vars);
      if (a != b) fuzz::broken("a condition parsed twice means two things");
    }
  } catch (const ConditionSyntaxError& e) {
    if (e.column > text.size()) fuzz::broken("a syntax error's column is past the end");
    if (e.message.empty()) fuzz::broken("a syntax error without a message");
  } catch (const std::exception& e) {
    fuzz::unexpected("Condition", e);
  }
  return 0;
}
