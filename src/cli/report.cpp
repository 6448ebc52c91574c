#include "cli/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "adapters/sha256.h"
#include "cli/markup_escape.h"
#include "cli/say.h"
#include "cli/status_view.h"
#include "core/journal.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

struct Artifact {
  std::string name;
  uintmax_t size = 0;
  std::string sha256;
  bool signed_ = false;
};

std::vector<Artifact> artifacts(const fs::path& dir) {
  std::vector<Artifact> out;
  for (const auto& entry : read_sha256sums(dir / "artifacts" / "SHA256SUMS")) {
    Artifact a;
    a.sha256 = entry.sha256;
    a.name = entry.name;
    std::error_code ec;
    a.size = fs::file_size(dir / "artifacts" / a.name, ec);
    a.signed_ = fs::exists(dir / "artifacts" / (a.name + ".asc"));
    out.push_back(a);
  }
  return out;
}

std::string md_cell(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  if (out.size() > 160) out = out.substr(0, 157) + "...";
  return out;
}

std::string note_of(const StepStatus& s) {
  if (s.state == StepState::failed) return s.error;
  if (s.state == StepState::skipped) return s.reason;
  std::string note;
  if (s.approved) note = "approved by " + s.approved_by;
  if (s.reconciled) note = "found done after an interruption";
  // A step that succeeded after failing keeps the story of its failures.
  int failed = 0;
  std::string last;
  for (const auto& a : s.history)
    if (a.result == "failed") {
      ++failed;
      last = a.error;
    }
  if (failed) {
    auto nl = last.find('\n');
    if (nl != std::string::npos) last = last.substr(0, nl);
    note +=
        fmt::format("{}{} failed attempt{} before: {}", note.empty() ? "" : "; ", failed, failed > 1 ? "s" : "", last);
  }
  return note;
}

std::string human_size(uintmax_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

// "2026-11-24 06:48:47 UTC"
std::string friendly_time(int64_t ms) {
  std::string iso = iso_time(ms);
  return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
}

// A tick spacing of 1, 2 or 5 x 10^n milliseconds giving at most ~8 ticks.
int64_t tick_step(int64_t span_ms) {
  int64_t step = 1;
  while (true) {
    for (int64_t m : {1, 2, 5})
      if (span_ms / (step * m) <= 8) return step * m;
    step *= 10;
  }
}

// What a step's row shows as its duration: the wait at a gate, else the
// time spent in all attempts.
int64_t shown_duration(const StepStatus& s) {
  if (s.waiting_since_ms && s.approved_ms) return s.approved_ms - s.waiting_since_ms;
  return s.duration_ms();
}

}  // namespace

std::string report_markdown(const ReadRun& r) {
  auto rows = status_rows(r);
  std::string out = fmt::format("# Release report: {}\n\n", r.state.version);
  out += fmt::format("- kind: {}\n- mode: {}\n- workflow: `{}`\n- started: {}\n- {}\n\n", r.state.run.value("kind", ""),
                     r.state.mode, r.state.workflow_file, friendly_time(r.state.started_ms),
                     r.state.finished ? "finished: " + friendly_time(r.state.finished_ms) : "not finished");
  out += "## Steps\n\n| step | uses | state | duration | attempts | note |\n|---|---|---|---|---|---|\n";
  for (const auto& row : rows)
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", row.id, row.uses, to_string(row.status.state),
                       shown_duration(row.status) ? format_duration(shown_duration(row.status)) : "",
                       row.status.attempts, md_cell(note_of(row.status)));
  {
    std::vector<std::string> order;
    for (const auto& row : rows) order.push_back(row.id);
    auto next = next_step(r.state, order, r.dir);
    if (!next.command.empty()) out += fmt::format("\n**Next:** {}: `{}`\n", next.why, next.command);
  }
  if (!r.state.settings_changes.empty()) {
    out += "\n## Settings changed\n\n";
    for (const auto& c : r.state.settings_changes) out += "- " + md_cell(describe_settings_change(c)) + "\n";
  }
  auto arts = artifacts(r.dir);
  out += "\n## Artifacts\n\n";
  if (arts.empty()) out += "None recorded (no SHA256SUMS).\n";
  else {
    out += "| file | size | sha256 | signature |\n|---|---|---|---|\n";
    for (const auto& a : arts)
      out += fmt::format("| {} | {} | `{}` | {} |\n", a.name, human_size(a.size), a.sha256,
                         a.signed_ ? a.name + ".asc" : "none");
  }
  return out;
}

std::string report_html(const ReadRun& r) {
  auto rows = status_rows(r);
  // The timeline: one bar per attempt, gates' waits hatched.
  int64_t t0 = r.state.started_ms, t1 = t0 + 1;
  for (const auto& row : rows) {
    for (const auto& a : row.status.history) t1 = std::max({t1, a.started_ms, a.ended_ms});
    t1 = std::max({t1, row.status.approved_ms, row.status.waiting_since_ms});
  }
  const int label_w = 170, chart_w = 640, row_h = 22, top = 24;
  const double scale = static_cast<double>(chart_w) / static_cast<double>(std::max<int64_t>(t1 - t0, 1));
  auto x = [&](int64_t t) { return label_w + static_cast<double>(t - t0) * scale; };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n",
      label_w + chart_w + 20, top + row_h * static_cast<int>(rows.size()) + 30);
  for (size_t i = 0; i < rows.size(); i += 2)
    svg += fmt::format("<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f6f8\"/>",
                       top + static_cast<int>(i) * row_h, label_w + chart_w + 20, row_h);
  const int64_t tick = tick_step(t1 - t0);
  for (int64_t t = 0; t <= t1 - t0; t += tick) {
    double gx = x(t0 + t);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#ddd\"/>", gx, top - 6, gx,
                       top + row_h * static_cast<int>(rows.size()));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#666\" text-anchor=\"middle\">{}</text>\n", gx, top - 10,
                       format_duration(t));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    int y = top + static_cast<int>(i) * row_h;
    bool skipped = row.status.state == StepState::skipped;
    svg += fmt::format("<text x=\"4\" y=\"{}\" fill=\"{}\">{}</text>", y + 15, skipped ? "#aaa" : "#222",
                       xml_escape(row.id));
    if (skipped)
      svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#aaa\" font-style=\"italic\">skipped</text>", label_w + 4,
                         y + 15);
    if (row.status.waiting_since_ms) {
      int64_t end = row.status.approved_ms ? row.status.approved_ms : t1;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"14\" fill=\"#f5c542\" opacity=\"0.6\"><title>{} "
          "waited at the gate {}</title></rect>",
          x(row.status.waiting_since_ms), y + 4, std::max(2.0, x(end) - x(row.status.waiting_since_ms)),
          xml_escape(row.id), format_duration(end - row.status.waiting_since_ms));
    }
    for (const auto& a : row.status.history) {
      int64_t end = a.ended_ms ? a.ended_ms : a.started_ms;
      std::string colour = a.result == "failed" ? "#d9534f" : a.result == "interrupted" ? "#999" : "#3a87d6";
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"14\" fill=\"{}\"><title>{} {} {}</title></rect>",
          x(a.started_ms), y + 4, std::max(2.0, x(end) - x(a.started_ms)), colour, xml_escape(row.id),
          a.result.empty() ? "running" : a.result, format_duration(end - a.started_ms));
    }
    svg += "\n";
  }
  svg += "</svg>";

  int succeeded = 0, skipped = 0, failed_attempts = 0, approvals = 0;
  for (const auto& row : rows) {
    succeeded += row.status.state == StepState::succeeded;
    skipped += row.status.state == StepState::skipped;
    approvals += row.status.approved;
    for (const auto& a : row.status.history) failed_attempts += a.result == "failed";
  }
  std::string summary =
      fmt::format("{}: {} steps succeeded, {} skipped; {} failed attempt{}; {} approval{}; {} in all",
                  r.state.finished ? "Finished" : "Not finished", succeeded, skipped, failed_attempts,
                  failed_attempts == 1 ? "" : "s", approvals, approvals == 1 ? "" : "s", format_duration(t1 - t0));
  std::string steps;
  for (const auto& row : rows)
    steps += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        to_string(row.status.state), xml_escape(row.id), xml_escape(row.uses), to_string(row.status.state),
        shown_duration(row.status) ? format_duration(shown_duration(row.status)) : "", row.status.attempts,
        xml_escape(note_of(row.status)));
  // A signature is "verified" when a gpg.verify step of this run passed.
  std::string verified_by;
  for (const auto& row : rows)
    if (row.uses == "gpg.verify" && row.status.state == StepState::succeeded) {
      const auto& signer = row.status.outputs.contains("signer") ? row.status.outputs["signer"] : nlohmann::json();
      verified_by = signer.is_string() ? signer.get<std::string>() : std::string("the run's key");
    }
  std::string next_html;
  {
    std::vector<std::string> order;
    for (const auto& row : rows) order.push_back(row.id);
    auto next = next_step(r.state, order, r.dir);
    if (!next.command.empty())
      next_html = fmt::format("<p><strong>Next:</strong> {}: <code>{}</code></p>\n", xml_escape(next.why),
                              xml_escape(next.command));
    if (!r.state.settings_changes.empty()) {
      next_html += "<h2>Settings changed</h2>\n<ul>\n";
      for (const auto& c : r.state.settings_changes)
        next_html += "<li>" + xml_escape(describe_settings_change(c)) + "</li>\n";
      next_html += "</ul>\n";
    }
  }
  std::string arts;
  for (const auto& a : artifacts(r.dir))
    arts += fmt::format("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n", xml_escape(a.name),
                        human_size(a.size), a.sha256,
                        !a.signed_            ? std::string("unsigned")
                        : verified_by.empty() ? std::string("signed (.asc), not verified by this run")
                                              : xml_escape("verified: signed by " + verified_by));
  if (arts.empty()) arts = "<tr><td colspan=\"4\">none recorded</td></tr>";
  return fmt::format(
      R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Release report {version}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 13px; }}
tr.failed td {{ background: #fbe3e2; }} tr.waiting td {{ background: #fdf3d0; }} tr.skipped td {{ color: #888; }}
code {{ font-size: 12px; }}
.legend span {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }}
</style></head><body>
<h1>Release report: {version}</h1>
<p>{kind} release, {mode} mode, workflow <code>{workflow}</code>. Started {started}; {finished}.</p>
<p><strong>{summary}</strong></p>
{next}<h2>Timeline</h2>
<p class="legend"><span style="background:#3a87d6"></span>ran<span style="background:#d9534f"></span>failed attempt<span style="background:#999"></span>interrupted<span style="background:#f5c542"></span>waiting at a gate</p>
{svg}
<h2>Steps</h2>
<table><tr><th>step</th><th>uses</th><th>state</th><th>duration</th><th>attempts</th><th>note</th></tr>
{steps}</table>
<h2>Artifacts</h2>
<table><tr><th>file</th><th>size</th><th>sha256</th><th>signature</th></tr>
{arts}</table>
</body></html>
)",
      fmt::arg("version", xml_escape(r.state.version)), fmt::arg("kind", xml_escape(r.state.run.value("kind", ""))),
      fmt::arg("mode", xml_escape(r.state.mode)), fmt::arg("workflow", xml_escape(r.state.workflow_file)),
      fmt::arg("started", friendly_time(r.state.started_ms)),
      fmt::arg("finished", r.state.finished ? "finished " + friendly_time(r.state.finished_ms) : "not finished"),
      fmt::arg("summary", xml_escape(summary)), fmt::arg("next", next_html), fmt::arg("svg", svg),
      fmt::arg("steps", steps), fmt::arg("arts", arts));
}

}  // namespace relman::cli
