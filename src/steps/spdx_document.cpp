#include "steps/spdx_document.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "adapters/sha1.h"
#include "adapters/sha256.h"

namespace relman::spdx {

namespace {

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

std::string ascii_string(const std::string& s) { return json(s).dump(-1, ' ', true); }

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

std::string Ids::id(const std::string& value) {
  if (auto it = by_value_.find(value); it != by_value_.end()) return it->second;
  std::string out;
  bool in_run = false;
  for (char c : value) {
    if (id_char(c)) {
      out += c;
      in_run = false;
    } else if (!in_run) {
      out += '-';
      in_run = true;
    }
  }
  auto [it, fresh] = owner_.emplace(out, value);
  if (!fresh && it->second != value) {
    Sha256 h;
    h.update(value);
    out += "-" + h.hex().substr(0, 8);
    auto [again, ok] = owner_.emplace(out, value);
    if (!ok && again->second != value)
      throw std::runtime_error(
          fmt::format("two values share the SPDX id {}: '{}' and '{}'", out, again->second, value));
  }
  by_value_[value] = out;
  return out;
}

void add_package_verification_codes(json& doc) {
  std::map<std::string, std::vector<std::string>> sha1s;  // package id -> file SHA-1s
  for (const auto& p : doc["packages"])
    if (p.value("filesAnalyzed", false)) sha1s[p["SPDXID"].get<std::string>()];
  std::map<std::string, std::string> package_of;  // file id -> package id
  for (const auto& r : doc["relationships"]) {
    const std::string from = r.value("spdxElementId", ""), to = r.value("relatedSpdxElement", "");
    if (r.value("relationshipType", "") != "CONTAINS" || !sha1s.count(from) || to.rfind("SPDXRef-FILE-", 0) != 0)
      continue;
    package_of[to] = from;
  }
  for (const auto& f : doc["files"]) {
    auto it = package_of.find(f.value("SPDXID", ""));
    if (it == package_of.end()) continue;
    const json* sha1 = nullptr;
    for (const auto& c : f["checksums"])
      if (c.value("algorithm", "") == "SHA1") {
        sha1 = &c;
        break;
      }
    if (!sha1) throw std::runtime_error("the SBOM's file " + it->first + " has no SHA1 checksum");
    sha1s[it->second].push_back(lower((*sha1)["checksumValue"].get<std::string>()));
  }
  for (auto& p : doc["packages"]) {
    auto it = sha1s.find(p["SPDXID"].get<std::string>());
    if (it == sha1s.end()) continue;
    std::sort(it->second.begin(), it->second.end());
    Sha1 code;
    for (const auto& s : it->second) code.update(s);
    p["packageVerificationCode"] = {{"packageVerificationCodeValue", code.hex()}};
  }
}

std::string python_dumps(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {  // nlohmann keeps keys sorted
        if (!first) out += ", ";
        first = false;
        out += ascii_string(it.key()) + ": " + python_dumps(it.value());
      }
      return out + "}";
    }
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + python_dumps(value[i]);
      return out + "]";
    }
    case json::value_t::string:
      return ascii_string(value.get<std::string>());
    default:
      return value.dump();
  }
}

void normalize(json& doc) {
  if (doc.is_array()) {
    for (auto& item : doc) normalize(item);
    std::vector<std::pair<std::string, json>> keyed;
    keyed.reserve(doc.size());
    for (auto& item : doc) keyed.emplace_back(python_dumps(item), std::move(item));
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    json sorted = json::array();
    for (auto& [key, item] : keyed) sorted.push_back(std::move(item));
    doc = std::move(sorted);
  } else if (doc.is_object()) {
    for (auto& v : doc) normalize(v);
  }
}

std::string render(const json& doc) { return doc.dump(2, ' ', true); }

std::vector<std::string> problems(const json& doc) {
  std::vector<std::string> out;
  auto unique_ids = [&](const char* what) {
    std::set<std::string> ids;
    for (const auto& e : doc.value(what, json::array())) {
      std::string id = e.value("SPDXID", "");
      if (!ids.insert(id).second) out.push_back(fmt::format("the id {} is used by two {}", id, what));
    }
    return ids;
  };
  auto packages = unique_ids("packages");
  auto files = unique_ids("files");
  for (const auto& id : packages)
    if (files.count(id)) out.push_back(fmt::format("the id {} names both a package and a file", id));
  for (const auto& r : doc.value("relationships", json::array())) {
    const std::string from = r.value("spdxElementId", ""), to = r.value("relatedSpdxElement", "");
    if (from == "SPDXRef-DOCUMENT" && r.value("relationshipType", "") == "DESCRIBES") continue;
    for (const auto& id : {from, to})
      if (!packages.count(id) && !files.count(id))
        out.push_back(fmt::format("a {} relationship names {}, which is neither a package nor a file",
                                  r.value("relationshipType", "?"), id));
  }
  return out;
}

}  // namespace relman::spdx
