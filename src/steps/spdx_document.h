// The rules release-tools' sbom.py applies to an SPDX 2.3 JSON document,
// kept apart from reading tarballs so each can be tested on its own. The
// release-tools commit each rule follows is in docs/steps.md (sbom.spdx).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman::spdx {

using json = nlohmann::json;

// SPDX ids for one document, as sbom.py's spdx_id(): every run of
// characters outside [a-zA-Z0-9.-] becomes one '-', and a value whose id is
// already taken by another value gets "-" and the first 8 hex digits of the
// SHA-256 of the value appended. The same value always gets the same id.
class Ids {
 public:
  std::string id(const std::string& value);

 private:
  std::map<std::string, std::string> by_value_;  // value -> id
  std::map<std::string, std::string> owner_;     // id -> the value that has it
};

// Sets packageVerificationCode on every package with filesAnalyzed true: the
// SHA-1 of the sorted, lowercased SHA-1s of the files it CONTAINS.
// Throws std::runtime_error when such a file has no SHA-1.
void add_package_verification_codes(json& doc);

// Sorts every list, innermost first, by the text Python's
// json.dumps(item, sort_keys=True) gives each item, so equal content is
// written in one order whatever order it was built in.
void normalize(json& doc);

// Python's json.dumps(value, sort_keys=True): ", " and ": " separators,
// non-ASCII escaped. The sort key of normalize().
std::string python_dumps(const json& value);

// The document as sbom.py writes it: json.dumps(doc, indent=2,
// sort_keys=True), without a final newline.
std::string render(const json& doc);

// sbom.py's check_sbom_data(): ids unique among packages and among files,
// no id both a package's and a file's, every relationship between known
// ids (except SPDXRef-DOCUMENT DESCRIBES). Each problem as a sentence.
std::vector<std::string> problems(const json& doc);

}  // namespace relman::spdx
