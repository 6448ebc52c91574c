// relman log ID: what a step and its child processes printed.
#include <fmt/format.h>

#include <cstdio>

#include "adapters/fs.h"
#include "cli/options.h"
#include "cli/run_support.h"
#include "cli/suggest.h"
#include "core/errors.h"

namespace relman::cli {

int cmd_log(const Options& o) {
  auto dir = find_run(o);
  auto r = read_run(dir);
  if (r.workflow && !r.workflow->find(o.step))
    throw unknown_step(o.step, step_ids(*r.workflow), "log");
  auto path = dir / "logs" / (o.step + ".log");
  if (!std::filesystem::exists(path)) {
    say(o, fmt::format("relman: step '{}' has not written a log yet ({})", o.step, path.string()));
    return exit_code::finished;
  }
  std::string text = fs::read_file(path);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return exit_code::finished;
}

}  // namespace relman::cli
