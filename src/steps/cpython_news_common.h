// What the cpython.news_* step kinds share: the `prefer` parameter (the real
// blurb when asked for and installed, else relman's own implementation of
// its format), running blurb, and the release date blurb would write.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/step_kind.h"

namespace relman::steps::news_step {

// The `prefer` parameter's spec and its load-time check ("native" or "blurb").
ParamSpec prefer_param();
std::vector<std::string> validate_prefer(const json& with);

// The blurb to run: empty unless `prefer: blurb` and a `blurb` is on PATH.
// Logs which implementation the step uses and why.
std::filesystem::path chosen_blurb(const StepContext& ctx);

// Runs blurb (argv after the program) in `cwd`, its output into the log;
// a StepError with the log's tail when it fails.
void run_blurb(const StepContext& ctx, const std::filesystem::path& blurb, const std::vector<std::string>& args,
               const std::filesystem::path& cwd);

// The `date` parameter, else the day of SOURCE_DATE_EPOCH (UTC) when it is
// set, else today in local time (blurb's time.localtime()); YYYY-MM-DD.
std::string release_date(const StepContext& ctx);

}  // namespace relman::steps::news_step
