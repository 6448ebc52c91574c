// The time left on a progress line: a step that reports a percentage
// ("42% (1800/4300 entries)") gets "about 1m07s left" from its pace so far.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace relman::cli {

// The percentage a progress line starts with ("42% ..." -> 42), if any.
std::optional<int> leading_percent(const std::string& line);

// `line` with the time left appended, estimated from `elapsed_ms` since the
// step started; unchanged when the line has no percentage or the estimate
// would be noise (under 3 % done, or under 2 s elapsed, or 100 %).
std::string with_time_left(const std::string& line, int64_t elapsed_ms);

}  // namespace relman::cli
