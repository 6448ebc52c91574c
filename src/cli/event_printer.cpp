#include "cli/event_printer.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "cli/run_location.h"
#include "cli/say.h"

namespace relman::cli {

void print_event(const Options& o, const OpenRun& run, const nlohmann::json& ev, Terminal& term) {
  if (o.ci) {
    // One line a transition on stdout: the journal's own event, documented in docs/state-format.md.
    term.clear_live();
    std::string line = ev.dump();
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  const std::string name = ev.value("event", "");
  const std::string id = ev.value("step", "");
  const StepStatus* s = run.state.find(id);
  std::string line;
  if (name == "step_started") {
    const StepDef* d = run.workflow.find(id);
    line = fmt::format("{} {} ({}){}", term.paint("->", Colour::blue), id, d ? d->uses : "",
                       ev.value("attempt", 1) > 1 ? fmt::format(", attempt {}", ev.value("attempt", 1)) : "");
  } else if (name == "step_succeeded") {
    const StepDef* d = run.workflow.find(id);
    if (d && d->is_gate()) return;  // its step_approved line said it
    int64_t ms = s && !s->history.empty() && s->history.back().ended_ms
                     ? s->history.back().ended_ms - s->history.back().started_ms
                     : 0;
    line = fmt::format("{} {}{}{}", term.paint("ok", Colour::green), id, ms ? " " + format_duration(ms) : "",
                       ev.value("reconciled", false)
                           ? " (found done after the interruption: " + ev.value("detail", std::string()) + ")"
                           : "");
  } else if (name == "step_failed") {
    line = fmt::format("{} {}: {}", term.paint("FAILED", Colour::red), id, ev.value("error", ""));
    if (ev.value("next", "relman resume") != "relman resume")
      line += "\n     next: " + with_state_dir(ev.value("next", ""), run.dir);
  } else if (name == "step_skipped") {
    line = fmt::format("{} {}: {}", term.paint("skip", Colour::grey), id, ev.value("reason", ""));
  } else if (name == "step_waiting") {
    line = fmt::format("{} {}: {}\n     approve with: {}", term.paint("WAIT", Colour::yellow), id,
                       ev.value("message", ""), with_state_dir("relman approve " + id, run.dir));
  } else if (name == "step_approved") {
    line = fmt::format("{} {} approved by {}", term.paint("ok", Colour::green), id, ev.value("by", ""));
  } else if (name == "step_checkpoint" && o.verbose) {
    line = fmt::format("   {} checkpoint: {}", id, ev.value("data", nlohmann::json::object()).dump());
  } else {
    return;
  }
  term.clear_live();
  if (name == "step_failed" || name == "step_waiting") say_result(o, line);
  else say(o, line);
}

}  // namespace relman::cli
