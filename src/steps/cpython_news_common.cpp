#include "steps/cpython_news_common.h"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <regex>

#include "adapters/process.h"
#include "core/errors.h"

namespace relman::steps::news_step {

ParamSpec prefer_param() {
  return {"prefer", ParamType::string, false,
          "native (default): relman's implementation of blurb's format; blurb: run the `blurb` on PATH when there "
          "is one, else native"};
}

std::vector<std::string> validate_prefer(const json& with) {
  if (!with.contains("prefer") || !with["prefer"].is_string()) return {};
  const std::string v = with["prefer"].get<std::string>();
  if (v == "native" || v == "blurb" || v.find("${") != std::string::npos) return {};
  return {fmt::format("'prefer' must be native or blurb, not '{}'", v)};
}

std::filesystem::path chosen_blurb(const StepContext& ctx) {
  const std::string prefer = ctx.str("prefer", "native");
  if (prefer != "native" && prefer != "blurb")
    throw StepError(fmt::format("parameter 'prefer' must be native or blurb, not '{}'; fix the workflow", prefer));
  if (prefer == "native") {
    ctx.log->line("using relman's implementation of blurb's format (prefer: native)");
    return {};
  }
  auto blurb = process::find_program("blurb");
  if (blurb.empty())
    ctx.log->line("prefer: blurb, but no `blurb` on PATH: using relman's implementation of blurb's format");
  else ctx.log->line(fmt::format("prefer: blurb: using {}", blurb.string()));
  return blurb;
}

void run_blurb(const StepContext& ctx, const std::filesystem::path& blurb, const std::vector<std::string>& args,
               const std::filesystem::path& cwd) {
  process::Spec spec;
  spec.argv = {blurb.string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  ctx.log->line("$ " + process::show_argv(spec.argv) + "   (in " + cwd.string() + ")");
  process::Result r;
  try {
    r = process::run(spec, [&](std::string_view line) { ctx.log->line(line); });
  } catch (const std::exception& e) {
    throw StepError(fmt::format("cannot run {}: {}", blurb.string(), e.what()));
  }
  if (!r.ok())
    throw StepError(fmt::format(
        "`{}` failed ({}). Last lines of {}:\n{}\nFix what blurb says, or use relman's own "
        "implementation (with: {{prefer: native}}), then: relman retry {}",
        process::show_argv(spec.argv), r.describe(), ctx.log->path().string(), ctx.log->tail(15), ctx.step_id));
}

std::string release_date(const StepContext& ctx) {
  if (ctx.has("date")) {
    std::string d = ctx.str("date");
    static const std::regex day(R"(^\d{4}-\d{2}-\d{2}$)");
    if (!std::regex_match(d, day))
      throw StepError(fmt::format("parameter 'date' must be a day like 2026-10-01, not '{}'", d));
    return d;
  }
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    long long v = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || v < 0)
      throw StepError(fmt::format("SOURCE_DATE_EPOCH='{}' is not a number of seconds; fix or unset it", epoch));
    std::time_t t = static_cast<std::time_t>(v);
    gmtime_r(&t, &tm);
  } else {
    localtime_r(&now, &tm);
  }
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace relman::steps::news_step
