#include "steps/news/versions.h"

#include <vector>

#include "core/text.h"

namespace relman::news {

std::string version_key(const std::string& version) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t at; (at = version.find('.', start)) != std::string::npos; start = at + 1)
    fields.push_back(version.substr(start, at - start));
  fields.push_back(version.substr(start));
  if (fields.size() == 1) return version;

  std::string last = fields.back();
  fields.pop_back();
  std::string stage = "zz", serial = "0";
  for (const char* s : {"a", "b", "rc"}) {
    auto at = last.find(s);
    if (at != std::string::npos) {
      stage = s;
      serial = last.substr(at + stage.size());
      last = last.substr(0, at);
      break;
    }
  }
  fields.push_back(last);
  while (fields.size() < 3) fields.push_back("0");
  fields.push_back(stage);
  fields.push_back(serial);
  std::string key;
  for (size_t i = 0; i < fields.size(); ++i) {
    // Python's rjust counts code points; versions are ASCII.
    std::string f = fields[i];
    if (f.size() < 6) f.insert(0, 6 - f.size(), '0');
    key += (i ? "." : "") + f;
  }
  return key;
}

std::string printable_version(const std::string& version) {
  if (version == "next") return version;
  if (version.find('a') != std::string::npos) return replace_all(version, "a", " alpha ");
  if (version.find('b') != std::string::npos) return replace_all(version, "b", " beta ");
  if (version.find("rc") != std::string::npos) return replace_all(version, "rc", " release candidate ");
  return version + " final";
}

}  // namespace relman::news
