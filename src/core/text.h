// Small string operations more than one step kind needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relman {

// `text` with every occurrence of `from` replaced by `to`, left to right, the
// replacement never rescanned. An empty `from` changes nothing.
std::string replace_all(std::string text, std::string_view from, std::string_view to);

// The pieces of `text` between "\n"s, without them: "a\nb\n" is {"a", "b", ""}
// and "" is {""}, so joining with "\n" gives `text` back.
std::vector<std::string> split_lines(std::string_view text);

}  // namespace relman
