#include "steps/news/layout.h"

#include <algorithm>
#include <set>

#include "steps/news/sections.h"
#include "steps/news/versions.h"

namespace relman::news {
namespace {

bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// glob's "*.rst" in one directory: files, hidden names left out.
std::vector<std::string> rst_files(const Tree& tree, const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : tree.list(dir))
    if (!e.is_dir && !starts_with(e.name, ".") && ends_with(e.name, ".rst")) out.push_back(e.name);
  return out;
}

std::set<std::string> section_dirs() {
  std::set<std::string> out;
  for (const auto& s : sections()) {
    out.insert(sanitize_section(s));
    out.insert(sanitize_section_legacy(s));
  }
  return out;
}

}  // namespace

std::string version_file(const std::string& version) { return kNewsDir + "/" + version + ".rst"; }

std::vector<std::string> next_entries(const Tree& tree) {
  std::vector<std::string> out;
  for (const auto& section : sections()) {
    std::vector<std::string> dirs = {sanitize_section(section)};
    if (sanitize_section_legacy(section) != dirs[0]) dirs.push_back(sanitize_section_legacy(section));
    // (basename, path): blurb sorts the paths with the directory spelled as
    // the section, which leaves the file names to decide; stable, so a name
    // found in both spellings keeps the sanitized directory's first.
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& dir : dirs)
      for (const auto& name : rst_files(tree, kNextDir + "/" + dir))
        if (name != "README.rst") entries.emplace_back(name, kNextDir + "/" + dir + "/" + name);
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& e : entries) out.push_back(e.second);
  }
  return out;
}

std::vector<std::string> stray_next_files(const Tree& tree) {
  std::vector<std::string> out;
  const auto known = section_dirs();
  for (const auto& e : tree.list(kNextDir)) {
    if (!e.is_dir || starts_with(e.name, ".") || known.count(e.name)) continue;
    for (const auto& name : rst_files(tree, kNextDir + "/" + e.name))
      if (name != "README.rst") out.push_back(kNextDir + "/" + e.name + "/" + name);
  }
  return out;
}

std::vector<std::string> versions(const Tree& tree) {
  std::vector<std::string> out;
  bool next = false;
  for (const auto& e : tree.list(kNewsDir)) {
    if (e.name == "next") next = true;
    // fnmatch's "3.*.rst": "3." and ".rst" may not overlap.
    if (e.is_dir || e.name.size() < 6 || !(starts_with(e.name, "2.") || starts_with(e.name, "3.")) ||
        !ends_with(e.name, ".rst"))
      continue;
    out.push_back(e.name.substr(0, e.name.find(".rst")));  // str.partition('.rst')[0]
  }
  if (next) out.push_back("next");
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return version_key(a) > version_key(b); });
  return out;
}

std::vector<std::string> unreleased_entries(const Tree& tree) {
  std::vector<std::string> out;
  for (const auto& e : tree.list(kNextDir)) {
    if (!e.is_dir || starts_with(e.name, ".")) continue;
    for (const auto& name : rst_files(tree, kNextDir + "/" + e.name))
      if (name[0] == '0' || name[0] == '2') out.push_back(kNextDir + "/" + e.name + "/" + name);
  }
  return out;
}

}  // namespace relman::news
