// The release report: summary, steps, artifacts (size, sha256, signature)
// and a timeline. HTML is one page with an inline SVG Gantt chart and no
// external assets, so it can be mailed or archived as it is.
#pragma once

#include <string>

#include "cli/open_run.h"

namespace relman::cli {

std::string report_markdown(const ReadRun& r);
std::string report_html(const ReadRun& r);

}  // namespace relman::cli
