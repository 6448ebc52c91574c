#include "steps/news/release.h"

#include <fmt/format.h>

#include "steps/news/blurbs.h"
#include "steps/news/layout.h"

namespace relman::news {

ReleasePlan plan_release(const Tree& tree, const std::string& version, const std::string& date) {
  ReleasePlan plan;
  plan.output = version_file(version);
  if (tree.exists(plan.output))
    throw NewsError(
        fmt::format("{} exists already, and blurb cannot add next/ entries to an existing release file "
                    "(\"Sorry, can't handle appending 'next' files to an existing version (yet).\")",
                    plan.output));
  plan.consumed = next_entries(tree);
  std::vector<Entry> entries;
  if (plan.consumed.empty()) {
    const std::string body = fmt::format("There were no new changes in version {}.\n", version);
    entries.push_back({Metadata{{"no changes", "True"},
                                {"gh-issue", "0"},
                                {"section", "Library"},
                                {"date", date},
                                {"nonce", generate_nonce(body)}},
                       body});
  } else {
    for (const auto& path : plan.consumed) entries.push_back(load_next(tree.read(path), path));
  }
  entries.front().metadata.set("release date", date);
  plan.text = format_blurbs(entries);
  // blurb's own sanity check: the file reads back as the same entries.
  if (parse_blurbs(plan.text, plan.output) != entries)
    throw NewsError(
        fmt::format("{} would not read back as the entries it was written from; please report this "
                    "with the next/ files",
                    plan.output));
  return plan;
}

}  // namespace relman::news
