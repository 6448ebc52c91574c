#include "cli/suggest.h"

#include <fmt/format.h>

#include <algorithm>

namespace relman::cli {

size_t edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::optional<std::string> closest(const std::string& word, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  size_t best_d = limit + 1;
  bool tie = false;
  for (const auto& c : candidates) {
    if (c == word) return c;
    size_t d = edit_distance(word, c);
    // A word that is the start of exactly one candidate ("app" for "approve")
    // counts as close as a single typo.
    if (c.size() > word.size() && word.size() >= 3 && c.compare(0, word.size(), word) == 0) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
      tie = false;
    } else if (d == best_d && best && *best != c) {
      tie = true;
    }
  }
  if (tie) return std::nullopt;
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto c = closest(word, candidates);
  return c ? fmt::format("did you mean `{}`?", *c) : std::string();
}

std::vector<std::string> step_ids(const Workflow& wf) {
  std::vector<std::string> ids;
  for (const auto& s : wf.steps) ids.push_back(s.id);
  return ids;
}

UsageError unknown_step(const std::string& id, const std::vector<std::string>& ids, const std::string& context) {
  std::string hint = did_you_mean(id, ids);
  if (hint.empty()) {
    hint = "the steps are:";
    for (size_t i = 0; i < ids.size() && i < 40; ++i) hint += " " + ids[i];
    if (ids.size() > 40) hint += " ...";
  }
  return UsageError(fmt::format("{}the workflow has no step '{}'", context.empty() ? "" : context + ": ", id), hint);
}

}  // namespace relman::cli
