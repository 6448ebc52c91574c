#include "steps/logged_command.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace relman::steps {

using Clock = std::chrono::steady_clock;

process::Result LoggedCommand::run(StepContext& ctx, const std::vector<std::string>& argv, const std::string& shown,
                                   const std::string& install_hint) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) left = std::chrono::milliseconds(1);
  process::Spec spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.env = env;
  spec.timeout = left;
  ctx.log->line("$ " + shown);
  const auto started = Clock::now();
  auto last = started - std::chrono::seconds(1);
  try {
    return process::run(spec, [&](std::string_view line) {
      ctx.log->line(line);
      auto now = Clock::now();
      if (ctx.progress && now - last >= std::chrono::milliseconds(200)) {
        last = now;
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
        std::string text(line.substr(0, 100));
        ctx.progress(fmt::format("{} ({}s) {}", shown, secs, text));
      }
    });
  } catch (const std::exception& e) {
    throw StepError(
        fmt::format("cannot run `{}`: {}. {} and `relman retry {}`.", shown, e.what(), install_hint, ctx.step_id));
  }
}

}  // namespace relman::steps
