#include "steps/news/blurbs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "adapters/md5.h"
#include "core/text.h"
#include "steps/news/sections.h"
#include "steps/news/textwrap.h"

namespace relman::news {

Metadata::Metadata(std::initializer_list<std::pair<std::string, std::string>> items) {
  for (const auto& [k, v] : items) set(k, v);
}

const std::string* Metadata::find(const std::string& name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return &v;
  return nullptr;
}

std::string Metadata::get(const std::string& name, const std::string& fallback) const {
  const std::string* v = find(name);
  return v ? *v : fallback;
}

void Metadata::set(const std::string& name, const std::string& value) {
  for (auto& [k, v] : items_)
    if (k == name) {
      v = value;
      return;
    }
  items_.emplace_back(name, value);
}

bool Metadata::operator==(const Metadata& o) const {
  return std::map<std::string, std::string>(items_.begin(), items_.end()) ==
         std::map<std::string, std::string>(o.items_.begin(), o.items_.end());
}

namespace {

bool starts_with_nocase(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::string lower_ascii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<Entry> parse_blurbs(const std::string& text, const std::string& filename, Metadata metadata) {
  std::vector<Entry> entries;
  std::vector<std::string> body;
  bool in_metadata = true;
  size_t line_number = 0;

  auto fail = [&](const std::string& s) {
    return NewsError(fmt::format("Error in {}:{}:\n{}", filename, line_number, s));
  };

  auto finish_entry = [&] {
    if (body.empty()) throw fail("Blurb 'body' text must not be empty!");
    std::string wrapped = textwrap_body_lines(body);
    for (const char* naughty : {"- ", "Issue #", "bpo-", "gh-", "gh-issue-"})
      if (starts_with_nocase(wrapped, naughty))
        throw fail(fmt::format("Blurb 'body' can't start with {}!", py_repr(naughty)));

    bool no_changes = !metadata.get("no changes").empty();
    // In the order the file sets them, so the first mistake is the one named.
    for (const auto& [key, value] : metadata.items()) {
      std::optional<long long> number;
      if (key == "gh-issue" || key == "bpo") {
        number = py_int(value);
        if (!number) throw fail(fmt::format("Invalid {} number: {}", key == "bpo" ? "bpo" : "GitHub", py_repr(value)));
      }
      if (key == "gh-issue" && *number < kLowestGhIssue && !(no_changes && *number == 0))
        throw fail(fmt::format("Invalid gh-issue number: {} (must be >= {})", py_repr(value), kLowestGhIssue));
      if (key == "section" && !no_changes && !is_section(value))
        throw fail(fmt::format("Invalid section {}!  You must use one of the predefined sections.", py_repr(value)));
    }
    if (!metadata.has("gh-issue") && !metadata.has("bpo"))
      throw fail("'gh-issue:' or 'bpo:' must be specified in the metadata!");
    if (!metadata.has("section")) throw fail("No 'section' specified.  You must provide one!");

    entries.push_back({metadata, wrapped});
    metadata = Metadata();
    body.clear();
    in_metadata = true;
  };

  const auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    line_number = i;
    std::string line = rstrip(lines[i]);
    if (in_metadata) {
      if (line.rfind("..", 0) == 0) {
        std::string rest = strip(line.substr(2));
        auto colon = rest.find(':');
        // blurb asserts here (an AssertionError without a message).
        if (colon == std::string::npos)
          throw fail(fmt::format("Blurb metadata line {} has no ':'; write '.. name: value'", py_repr(line)));
        std::string name = lower_ascii(strip(rest.substr(0, colon)));
        std::string value = strip(rest.substr(colon + 1));
        if (metadata.has(name)) throw fail(fmt::format("Blurb metadata sets {} twice!", py_repr(name)));
        metadata.set(name, value);
        continue;
      }
      if (line.rfind('#', 0) == 0 || line.empty()) continue;
      in_metadata = false;
    }
    if (line == "..") {
      finish_entry();
      continue;
    }
    body.push_back(line);
  }
  finish_entry();
  return entries;
}

std::vector<Entry> load_blurbs(const std::string& bytes, const std::string& filename, Metadata metadata) {
  decode_utf8(bytes, filename);
  return parse_blurbs(universal_newlines(bytes), filename, std::move(metadata));
}

std::string format_blurbs(const std::vector<Entry>& entries) {
  std::string out;
  bool separator = false;
  for (const auto& e : entries) {
    if (separator) out += "\n..\n\n";
    separator = true;
    if (!e.metadata.empty()) {
      auto items = e.metadata.items();
      std::sort(items.begin(), items.end());
      for (const auto& [name, value] : items) out += fmt::format(".. {}: {}\n", name, value);
      out += "\n";
    }
    out += textwrap_body(e.body);
  }
  return out;
}

Metadata parse_next_filename(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0)
    throw NewsError(fmt::format("{}: a next file lives in Misc/NEWS.d/next/<section>/", path));
  auto dir_start = path.rfind('/', slash - 1);
  std::string dir = path.substr(dir_start == std::string::npos ? 0 : dir_start + 1,
                                slash - (dir_start == std::string::npos ? 0 : dir_start + 1));
  std::string name = path.substr(slash + 1);
  std::string section = unsanitize_section(dir);
  if (!is_section(section))
    throw NewsError(
        fmt::format("{}: unknown section {} (the directory must be one of blurb's sections)", path, py_repr(section)));
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t at; (at = name.find('.', start)) != std::string::npos; start = at + 1)
    fields.push_back(strip(name.substr(start, at - start)));
  fields.push_back(strip(name.substr(start)));
  if (fields.size() < 4 || fields.back() != "rst")
    throw NewsError(
        fmt::format("Can't parse 'next' filename {}: blurb names them "
                    "<date>.gh-issue-<number>.<nonce>.rst",
                    py_repr(name)));
  Metadata m{{"date", fields[0]}, {"nonce", fields[fields.size() - 2]}, {"section", section}};
  for (size_t i = 1; i + 2 < fields.size(); ++i) {
    bool found = false;
    for (const char* key : {"gh-issue", "bpo"}) {
      std::string marker = std::string(key) + "-";
      auto at = fields[i].find(marker);
      if (at != std::string::npos) {
        m.set(key, strip(fields[i].substr(at + marker.size())));
        found = true;
        break;
      }
    }
    if (!found)
      throw NewsError(fmt::format("Found unparsable field in 'next' filename {}: {} (expected gh-issue-<number>)",
                                  py_repr(name), py_repr(fields[i])));
  }
  return m;
}

Entry load_next(const std::string& bytes, const std::string& path) {
  auto entries = load_blurbs(bytes, path, parse_next_filename(path));
  if (entries.size() != 1)
    throw NewsError(
        fmt::format("{} holds {} entries; a next file holds exactly one (no '..' lines)", path, entries.size()));
  return entries.front();
}

std::string generate_nonce(const std::string& body) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string digest = md5_digest(body);
  std::string b64;
  for (size_t i = 0; i < digest.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(digest[i]) << 16;
    if (i + 1 < digest.size()) n |= static_cast<unsigned char>(digest[i + 1]) << 8;
    if (i + 2 < digest.size()) n |= static_cast<unsigned char>(digest[i + 2]);
    for (int k = 3; k >= 0; --k) b64 += alphabet[(n >> (6 * k)) & 0x3F];
  }
  return b64.substr(0, 6);
}

}  // namespace relman::news
