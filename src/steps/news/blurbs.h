// blurb's file format (blurb's _blurb_file.py): a file holds one or more
// entries separated by a line "..". An entry is optional metadata lines
// (".. name: value"; "#" comments and blank lines ignored) and a body, one
// reST paragraph or a few, reflowed to 76 columns. A version file
// (Misc/NEWS.d/3.12.0.rst) holds every entry of a release; a "next" file
// (Misc/NEWS.d/next/Library/<date>.gh-issue-<n>.<nonce>.rst) holds one
// entry whose metadata is in its path.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "steps/news/text.h"

namespace relman::news {

// Python's dict as blurb uses it: names unique, in the order first set.
class Metadata {
 public:
  Metadata() = default;
  Metadata(std::initializer_list<std::pair<std::string, std::string>> items);
  const std::string* find(const std::string& name) const;
  bool has(const std::string& name) const { return find(name) != nullptr; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  void set(const std::string& name, const std::string& value);
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  // Equal as dicts: the same names and values, in any order.
  bool operator==(const Metadata& o) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Entry {
  Metadata metadata;
  std::string body;  // reflowed, ending in one "\n"
  bool operator==(const Entry& o) const { return metadata == o.metadata && body == o.body; }
};

// The lowest GitHub issue number blurb accepts (the first after the
// migration from bugs.python.org).
inline constexpr long long kLowestGhIssue = 32426;

// Blurbs.parse: `text` (UTF-8, "\n" line ends) as entries. `metadata` is the
// first entry's metadata before its own lines (a next file's, from its
// path). Throws NewsError "Error in FILE:LINE:\n..." with blurb's wording.
//
// One difference from blurb, which otherwise this follows check for check:
// an entry marked "no changes" may have gh-issue 0. blurb writes exactly
// that (`blurb release` with no entries) and then rejects it when it reads
// the file back, so its own `release` and `merge` stop on the file it wrote.
std::vector<Entry> parse_blurbs(const std::string& text, const std::string& filename, Metadata metadata = {});

// Blurbs.load: a file's bytes (UTF-8; "\r\n" and "\r" read as "\n").
std::vector<Entry> load_blurbs(const std::string& bytes, const std::string& filename, Metadata metadata = {});

// str(Blurbs): what `blurb release` writes. Entries separated by "\n..\n\n";
// each entry's metadata sorted by name, a blank line, the body reflowed.
std::string format_blurbs(const std::vector<Entry>& entries);

// Blurbs._parse_next_filename: the metadata of a next file from its path
// ".../next/<section dir>/<date>.gh-issue-<n>.<nonce>.rst": date, nonce,
// section (unsanitized), and gh-issue or bpo. Throws NewsError.
Metadata parse_next_filename(const std::string& path);

// Blurbs.load_next: a next file, exactly one entry.
Entry load_next(const std::string& bytes, const std::string& path);

// blurb's generate_nonce: the first 6 characters of the URL-safe base64 of
// the MD5 of the text.
std::string generate_nonce(const std::string& body);

}  // namespace relman::news
