#include "steps/news/merge.h"

#include <fmt/format.h>

#include "steps/news/blurbs.h"
#include "steps/news/layout.h"
#include "steps/news/textwrap.h"
#include "steps/news/versions.h"

namespace relman::news {

std::string merge_news(const Tree& tree) {
  const auto all = versions(tree);
  if (all.empty())
    throw NewsError(
        fmt::format("{} holds no release file (3.*.rst) and no next/ directory: nothing to merge "
                    "(blurb: \"You literally don't have ANY blurbs to merge together!\")",
                    kNewsDir));
  std::vector<std::string> buff = {"+++++++++++\nPython News\n+++++++++++"};
  for (const auto& version : all) {
    std::vector<Entry> entries;
    if (version == "next") {
      for (const auto& path : next_entries(tree)) entries.push_back(load_next(tree.read(path), path));
      if (entries.empty()) continue;
      entries.front().metadata.set("release date", "XXXX-XX-XX");
    } else {
      const std::string path = version_file(version);
      entries = load_blurbs(tree.read(path), path);
    }
    const std::string header = "What's New in Python " + printable_version(version) + "?";
    buff.insert(buff.end(), {"", header, std::string(header.size(), '='), ""});

    const Metadata& first = entries.front().metadata;
    const std::string* date = first.find("release date");
    if (!date)
      throw NewsError(fmt::format("{}: its first entry has no '.. release date:' (blurb release writes one)",
                                  version_file(version)));
    buff.push_back(fmt::format("*Release date: {}*", *date));
    buff.push_back("");

    if (first.has("no changes")) {
      buff.push_back(entries.front().body);
      buff.push_back("");
      continue;
    }
    std::string last_section;
    bool any = false;
    for (const auto& e : entries) {
      const std::string section = e.metadata.get("section");
      if (!any || section != last_section) {
        any = true;
        last_section = section;
        buff.push_back(section);
        buff.push_back(std::string(section.size(), '-'));
        buff.push_back("");
      }
      std::string body = e.body;
      // As blurb: a gh-issue that is set wins over bpo even when it is 0.
      if (!e.metadata.get("gh-issue").empty()) {
        const std::string n = e.metadata.get("gh-issue");
        if (py_int(n).value_or(0) != 0) body = "gh-" + n + ": " + body;
      } else if (!e.metadata.get("bpo").empty()) {
        const std::string n = e.metadata.get("bpo");
        if (py_int(n).value_or(0) != 0) body = "bpo-" + n + ": " + body;
      }
      buff.push_back(textwrap_body("- " + body, "  "));
    }
  }
  buff.push_back("");
  buff.push_back("**(For information about older versions, consult the HISTORY file.)**");
  std::string out;
  for (size_t i = 0; i < buff.size(); ++i) out += (i ? "\n" : "") + buff[i];
  return out;
}

}  // namespace relman::news
