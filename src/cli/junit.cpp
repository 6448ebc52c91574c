#include "cli/junit.h"

#include <fmt/format.h>

#include <deque>
#include <fstream>

#include "adapters/durable.h"
#include "cli/markup_escape.h"
#include "cli/say.h"
#include "core/journal.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

std::string seconds(int64_t ms) { return fmt::format("{:.3f}", static_cast<double>(ms < 0 ? 0 : ms) / 1000.0); }

// The first line of an error, short enough for a one-line display.
std::string headline(const std::string& error) {
  std::string first = error.substr(0, error.find('\n'));
  if (first.size() > 300) first = first.substr(0, 297) + "...";
  return first;
}

// The last lines of a step's log, so a CI page shows why it failed without
// downloading the state directory.
std::string log_tail(const fs::path& file, size_t lines) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::deque<std::string> tail;
  for (std::string l; std::getline(in, l);) {
    tail.push_back(std::move(l));
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

struct Case {
  std::string id;
  int64_t ms = 0;
  std::string body;  // inner XML
};

}  // namespace

std::string junit_xml(const Workflow& wf, const RunState& state, const fs::path& logs, int64_t end_ms) {
  std::vector<Case> cases;
  int failures = 0, skipped = 0;
  for (const auto& step : wf.steps) {
    Case c;
    c.id = step.id;
    const StepStatus* s = state.find(step.id);
    StepState st = s ? s->state : StepState::pending;
    c.ms = s ? s->duration_ms() : 0;
    switch (st) {
      case StepState::succeeded:
        break;
      case StepState::failed: {
        ++failures;
        c.body = fmt::format("<failure message=\"{}\" type=\"step_failed\">{}</failure>",
                             xml_attribute(headline(s->error)), xml_escape(s->error));
        std::string tail = log_tail(logs / (step.id + ".log"), 100);
        if (!tail.empty()) c.body += "\n      <system-out>" + xml_escape(tail) + "</system-out>";
        break;
      }
      case StepState::skipped:
        ++skipped;
        c.body = fmt::format("<skipped message=\"{}\"/>", xml_attribute(s->reason.empty() ? "skipped" : s->reason));
        break;
      case StepState::waiting:
        ++skipped;
        c.body = "<skipped message=\"waiting for approval\"/>";
        break;
      case StepState::running:
        ++skipped;
        c.body = "<skipped message=\"interrupted: relman stopped while it ran; relman resume probes it\"/>";
        break;
      case StepState::pending:
        ++skipped;
        c.body = "<skipped message=\"not reached\"/>";
        break;
    }
    cases.push_back(std::move(c));
  }
  int64_t suite_ms = state.started_ms ? (state.finished_ms ? state.finished_ms : end_ms) - state.started_ms : 0;
  std::string classname = xml_attribute("relman." + wf.name);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">\n",
      xml_attribute("relman " + state.version), cases.size(), failures, skipped, seconds(suite_ms),
      xml_attribute(state.started_ms ? iso_time(state.started_ms) : iso_time(end_ms)));
  out += "  <properties>\n";
  auto property = [&](const std::string& name, const std::string& value) {
    out += fmt::format("    <property name=\"{}\" value=\"{}\"/>\n", xml_attribute(name), xml_attribute(value));
  };
  property("version", state.version);
  property("kind", state.run.value("kind", std::string()));
  property("mode", state.mode);
  property("workflow", wf.name);
  property("workflow_sha256", state.workflow_hash);
  property("result", state.finished ? "finished" : failures ? "failed" : "stopped");
  out += "  </properties>\n";
  for (const auto& c : cases) {
    out += fmt::format("  <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", classname, xml_attribute(c.id),
                       seconds(c.ms));
    if (c.body.empty()) out += "/>\n";
    else out += ">\n    " + c.body + "\n  </testcase>\n";
  }
  out += "</testsuite>\n";
  return out;
}

void write_junit_report(const OpenRun& run, const Options& o) {
  try {
    auto dir = run.dir / "artifacts";
    durable::create_directories_durable(dir);
    durable::write_atomic(dir / "junit.xml", junit_xml(run.workflow, run.state, run.dir / "logs", now_ms()));
  } catch (const std::exception& e) {
    say(o, fmt::format("relman: warning: cannot write the JUnit report {}: {}; the run itself is unaffected",
                       (run.dir / "artifacts" / "junit.xml").string(), e.what()));
  }
}

}  // namespace relman::cli
