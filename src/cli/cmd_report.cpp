// relman report: the release report, Markdown or one self-contained HTML page.
#include <cstdio>
#include <memory>
#include <string>

#include "adapters/durable.h"
#include "cli/command.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/run_location.h"
#include "cli/shared_options.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

struct ReportArgs {
  std::string format;
  std::string output;
};

int report(const Options& o, const ReportArgs& a) {
  auto dir = find_run(o);
  auto r = read_run(dir, false);
  std::string format = a.format.empty() ? "md" : a.format;
  std::string text;
  if (format == "md") text = report_markdown(r);
  else if (format == "html") text = report_html(r);
  else throw UsageError("--format " + format + ": expected md or html");
  if (a.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    durable::write_atomic(a.output, text);
    std::fprintf(stderr, "relman: report written to %s\n", a.output.c_str());
  }
  return exit_code::finished;
}

}  // namespace

Command register_report(CLI::App& app, Options& o) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* c = add_command(app, "report", "Write the release report (Markdown or one self-contained HTML page)",
                            "relman report --format html -o report.html");
  add_run_dir(*c, o);
  c->add_option("--format", args->format, "md or html (default: md)");
  c->add_option("-o,--output", args->output, "file to write (default: stdout)");
  return {c, [args](const Options& o) { return report(o, *args); }};
}

}  // namespace relman::cli
