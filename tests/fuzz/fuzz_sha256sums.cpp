// SHA256SUMS on any bytes: every entry read has 64 lowercase hex digits and
// a plain relative name (no control character, not absolute, no '..'), so
// `relman verify` never hashes a file outside the artifacts; reading the
// file and parsing its text agree, and every problem names its line.
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/sha256.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relman;
  const auto& path = fuzz::write_scratch("SHA256SUMS", data, size);
  std::vector<ChecksumEntry> entries;
  Sha256Sums parsed;
  try {
    entries = read_sha256sums(path);
    parsed = parse_sha256sums(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    fuzz::unexpected("read_sha256sums", e);
  }
  if (parsed.entries.size() != entries.size()) fuzz::broken("reading the file and parsing its text disagree");
  for (size_t i = 0; i < entries.size(); ++i)
    if (parsed.entries[i].sha256 != entries[i].sha256 || parsed.entries[i].name != entries[i].name)
      fuzz::broken("reading the file and parsing its text disagree");
  for (const auto& p : parsed.problems)
    if (p.rfind("line ", 0) != 0) fuzz::broken("a problem that does not name its line");
  for (const auto& e : entries) {
    if (e.sha256.size() != 64) fuzz::broken("a checksum that is not 64 characters");
    for (char c : e.sha256)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) fuzz::broken("a checksum that is not lowercase hex");
    if (e.name.empty() || e.name[0] == '/') fuzz::broken("an empty or absolute name");
    for (char c : e.name)
      if (static_cast<unsigned char>(c) < 0x20) fuzz::broken("a name with a control character");
    std::string padded = "/" + e.name + "/";
    if (padded.find("/../") != std::string::npos) fuzz::broken("a name that climbs out with '..'");
  }
  return 0;
}
