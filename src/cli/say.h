// Lines for people: where they go (stdout, or stderr under --ci so that
// stdout carries only JSON) and what -q keeps.
#pragma once

#include <cstdint>
#include <string>

#include "cli/options.h"

namespace relman::cli {

// Prints a line for people: stdout normally, stderr in --ci mode.
// -q drops these; say_result() prints even then (failures, waits, the next
// command, questions).
void say(const Options& o, const std::string& line);
void say_result(const Options& o, const std::string& line);

// 850ms, 4.2s, 3m07s, 1h05m.
std::string format_duration(int64_t ms);

}  // namespace relman::cli
