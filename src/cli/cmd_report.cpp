// relman report: the release report, Markdown or one self-contained HTML page.
#include <cstdio>

#include "adapters/fs.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/run_support.h"
#include "core/errors.h"

namespace relman::cli {

int cmd_report(const Options& o) {
  auto dir = find_run(o);
  auto r = read_run(dir, false);
  std::string format = o.format.empty() ? "md" : o.format;
  std::string text;
  if (format == "md") text = report_markdown(r);
  else if (format == "html") text = report_html(r);
  else throw UsageError("--format " + format + ": expected md or html");
  if (o.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    fs::write_atomic(o.output, text);
    std::fprintf(stderr, "relman: report written to %s\n", o.output.c_str());
  }
  return exit_code::finished;
}

}  // namespace relman::cli
