// Version::parse on any text: a version whose text parses back to itself,
// or ConfigError.
#include <cstdint>
#include <string>

#include "core/errors.h"
#include "core/version.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relman;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    Version v = Version::parse(text);
    if (Version::parse(v.str()).str() != v.str()) fuzz::broken("str() does not parse back to itself");
    (void)v.branch();
    (void)v.long_name();
    (void)v.tag();
    (void)v.kind_name();
    (void)v.major_minor();
    try {
      (void)v.next_in_series();
      (void)v.next_minor();
    } catch (const ConfigError&) {
    }
  } catch (const ConfigError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected("Version::parse", e);
  }
  return 0;
}
