// relman in CI: workflows/prerelease.yaml rehearsed with --ci on the sample
// interpreter against a loopback staging server, as docs/ci/prerelease.yml
// runs it. stdout carries only the JSON events, stderr the people's text,
// artifacts/junit.xml the steps; exit 0, 3 at a held gate (then approve and
// `resume --ci`), 1 when staging is unreachable.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/junit.h"
#include "core/journal.h"
#include "core/state.h"
#include "core/workflow.h"
#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using relman::test::FakeServer;

namespace {

const char* kVersion = "3.14.0a1";

// The report as JSON, read by Python's own XML parser (which refuses
// anything not well-formed): {tag, attrib, properties, cases: [{name,
// classname, time, failure|skipped: {message, text}}]}.
json parse_junit(const fs::path& file) {
  TempDir t;
  write_file(t / "junit.py",
             "import sys, json, xml.etree.ElementTree as ET\n"
             "root = ET.parse(sys.argv[1]).getroot()\n"
             "out = {'tag': root.tag, 'attrib': dict(root.attrib), 'cases': [], 'properties': {}}\n"
             "for p in root.iter('property'): out['properties'][p.get('name')] = p.get('value')\n"
             "for tc in root.iter('testcase'):\n"
             "    c = {'name': tc.get('name'), 'classname': tc.get('classname'), 'time': tc.get('time')}\n"
             "    for child in tc: c[child.tag] = {'message': child.get('message'), 'text': child.text or ''}\n"
             "    out['cases'].append(c)\n"
             "print(json.dumps(out))\n");
  Ran r = sh("python3 " + quote((t / "junit.py").string()) + " " + quote(file.string()));
  EXPECT_EQ(r.exit_code, 0) << "junit.xml is not well-formed XML: " << r.err;
  if (r.exit_code != 0) return json::object();
  return json::parse(r.out);
}

// Every stdout line must be one JSON event; returns them.
std::vector<json> json_lines(const std::string& out) {
  std::vector<json> events;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    json ev = json::parse(line, nullptr, false);
    EXPECT_FALSE(ev.is_discarded()) << "not a JSON line on stdout: " << line;
    if (ev.is_discarded()) continue;
    for (const char* key : {"v", "seq", "event", "time"}) EXPECT_TRUE(ev.contains(key)) << key << " missing: " << line;
    events.push_back(ev);
  }
  for (size_t i = 1; i < events.size(); ++i)
    EXPECT_EQ(events[i]["seq"].get<int>(), events[i - 1]["seq"].get<int>() + 1) << "events out of order or missing";
  return events;
}

std::vector<std::string> step_ids(const fs::path& workflow) {
  std::vector<std::string> ids;
  for (const auto& s : relman::load_workflow(workflow).steps) ids.push_back(s.id);
  return ids;
}

fs::path prerelease_yaml() { return fs::path(RELMAN_SOURCE_DIR) / "workflows" / "prerelease.yaml"; }

class CiMode : public ::testing::Test {
 protected:
  CiMode() : project(relman::test::make_sample_project(dir / "sample", kVersion)) {}

  Ran rehearse(std::vector<std::string> extra, const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {"rehearse", kVersion,         "--workflow",  "prerelease",    "--ci",
                                     "--var",    "project=Minipy", "--state-dir", state().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return relman::test::relman(args, project.repo, env);
  }
  Ran relman(std::vector<std::string> args) { return relman::test::relman_on(state(), std::move(args), project.repo); }
  fs::path state() const { return dir / "state"; }
  std::string staging() const { return server.url() + "/upload/staging/"; }

  // The three files of the upload step are on the server, byte for byte.
  void expect_staged() {
    json up = server.uploads();
    for (std::string f : {"Minipy-3.14.0a1.tgz", "Minipy-3.14.0a1.tar.xz", "SHA256SUMS"}) {
      std::string key = "/upload/staging/" + f;
      ASSERT_TRUE(up.contains(key)) << key << " not uploaded; server has " << up.dump();
      EXPECT_EQ(up[key]["sha256"], relman::test::sha256_hex(read_file(state() / "artifacts" / f))) << f;
    }
  }

  TempDir dir;
  relman::test::SampleProject project;
  FakeServer server;
};

}  // namespace

TEST_F(CiMode, PrereleaseRunsUnattendedWithJsonEventsJunitAndStagedFiles) {
  Ran r = rehearse({"--var", "staging_url=" + staging()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  auto events = json_lines(r.out);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front()["event"], "run_started");
  EXPECT_EQ(events.front()["seq"], 1);
  EXPECT_EQ(events.front()["mode"], "rehearse");
  EXPECT_EQ(events.back()["event"], "run_finished");
  // Every step shows up: started and succeeded, or skipped; the staging gate
  // approved by the workflow's policy.
  auto ids = step_ids(prerelease_yaml());
  for (const auto& id : ids) {
    int started = 0, ended = 0;
    for (const auto& e : events) {
      if (e.value("step", "") != id) continue;
      if (e["event"] == "step_started") ++started;
      if (e["event"] == "step_succeeded" || e["event"] == "step_skipped") ++ended;
    }
    EXPECT_EQ(ended, 1) << id;
    EXPECT_LE(started, 1) << id;
  }
  bool policy = false;
  for (const auto& e : events)
    if (e["event"] == "step_approved" && e["step"] == "staging-ok")
      policy = e["by"].get<std::string>().find("auto-in-ci") != std::string::npos;
  EXPECT_TRUE(policy) << r.out;

  // The people's text went to stderr.
  EXPECT_THAT(r.err, HasSubstr("ok smoke")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the run finished")) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("the run finished")));

  json junit = parse_junit(state() / "artifacts" / "junit.xml");
  ASSERT_FALSE(junit.empty());
  EXPECT_EQ(junit["tag"], "testsuite");
  EXPECT_EQ(junit["attrib"]["name"], "relman 3.14.0a1");
  EXPECT_EQ(junit["attrib"]["tests"], std::to_string(ids.size()));
  EXPECT_EQ(junit["attrib"]["failures"], "0");
  EXPECT_EQ(junit["properties"]["mode"], "rehearse");
  ASSERT_EQ(junit["cases"].size(), ids.size());
  int skipped = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const json& c = junit["cases"][i];
    EXPECT_EQ(c["name"], ids[i]);
    EXPECT_EQ(c["classname"], "relman.prerelease");
    EXPECT_FALSE(c.contains("failure")) << c.dump();
    if (c.contains("skipped")) {
      ++skipped;
      EXPECT_THAT(c["skipped"]["message"].get<std::string>(), HasSubstr("when `vars.")) << c.dump();
    }
  }
  // Unsigned by default: the signed tag, the signatures and their upload are
  // skipped, and so is the hold.
  EXPECT_EQ(skipped, 4);
  EXPECT_EQ(junit["attrib"]["skipped"], "4");
  for (const auto& c : junit["cases"]) {
    if (c["name"] == "build") {
      EXPECT_GT(std::stod(c["time"].get<std::string>()), 0.0) << "the build took no time?";
    }
  }

  expect_staged();
  // Nothing pushed anywhere: the remotes' mirrors did not move.
  EXPECT_THAT(r.err, HasSubstr("remote origin (" + project.origin.string() + "): no change")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("remote upstream (" + project.upstream.string() + "): no change")) << r.err;

  // Killed after the run's last event, before the report was written: the
  // CI job's `relman resume` writes it, and runs nothing.
  fs::remove(state() / "artifacts" / "junit.xml");
  Ran again = relman({"resume", "--ci"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  json rewritten = parse_junit(state() / "artifacts" / "junit.xml");
  ASSERT_FALSE(rewritten.empty());
  EXPECT_EQ(rewritten["attrib"]["tests"], std::to_string(ids.size()));
  EXPECT_EQ(rewritten["attrib"]["failures"], "0");
  for (const auto& e : relman::test::journal_events(state())) EXPECT_NE(e["event"], "run_resumed") << e.dump();
}

TEST_F(CiMode, AManualGateStopsWithExitThreeAndAResumeInALaterJobFinishes) {
  Ran r = rehearse({"--var", "staging_url=" + staging(), "--var", "hold=yes"});
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  auto events = json_lines(r.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["event"], "run_started");
  EXPECT_EQ(events.back()["event"], "step_waiting");
  EXPECT_EQ(events.back()["step"], "hold");
  EXPECT_THAT(r.err, HasSubstr("relman approve hold")) << r.err;
  EXPECT_TRUE(server.uploads().empty()) << "staged before the gate was approved";

  json junit = parse_junit(state() / "artifacts" / "junit.xml");
  ASSERT_FALSE(junit.empty());
  std::map<std::string, json> cases;
  for (const auto& c : junit["cases"]) cases[c["name"]] = c;
  EXPECT_EQ(cases["hold"]["skipped"]["message"], "waiting for approval");
  EXPECT_EQ(cases["upload"]["skipped"]["message"], "not reached");
  EXPECT_EQ(cases["upload-signatures"]["skipped"]["message"], "not reached");
  EXPECT_FALSE(cases["smoke"].contains("skipped"));
  EXPECT_EQ(junit["attrib"]["failures"], "0");

  // Another job: the state directory restored (copied), approved, resumed.
  sh("cp -a " + quote(state().string()) + " " + quote((dir / "restored").string()));
  fs::remove_all(state());
  fs::rename(dir / "restored", state());
  Ran a = relman({"approve", "hold", "--as", "ci-reviewer"});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  Ran resumed = relman({"resume", "--ci"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  auto more = json_lines(resumed.out);
  ASSERT_FALSE(more.empty());
  EXPECT_GT(more.front()["seq"].get<int>(), events.back()["seq"].get<int>());
  EXPECT_EQ(more.back()["event"], "run_finished");
  bool uploaded = false;
  for (const auto& e : more) uploaded |= e["event"] == "step_succeeded" && e.value("step", "") == "upload";
  EXPECT_TRUE(uploaded) << resumed.out;
  EXPECT_THAT(resumed.err, HasSubstr("the run finished")) << resumed.err;

  junit = parse_junit(state() / "artifacts" / "junit.xml");
  ASSERT_FALSE(junit.empty());
  for (const auto& c : junit["cases"]) {
    EXPECT_FALSE(c.contains("failure")) << c.dump();
    if (c.contains("skipped")) {
      EXPECT_NE(c["skipped"]["message"], "not reached") << c.dump();
    }
    if (c["name"] == "hold") {
      EXPECT_FALSE(c.contains("skipped")) << c.dump();
    }
  }
  EXPECT_EQ(junit["properties"]["result"], "finished");
  expect_staged();
}

TEST_F(CiMode, UnreachableStagingFailsWithExitOneAndTheFailureInJunit) {
  int port = relman::test::unused_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/upload/staging/";
  Ran r =
      rehearse({"--var", "staging_url=" + url}, {{"RELMAN_HTTP_ATTEMPTS", "1"}, {"RELMAN_HTTP_RETRY_BASE_MS", "1"}});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  auto events = json_lines(r.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["event"], "step_failed");
  EXPECT_EQ(events.back()["step"], "upload");
  EXPECT_THAT(r.err, HasSubstr("FAILED upload")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("relman resume")) << r.err;

  json junit = parse_junit(state() / "artifacts" / "junit.xml");
  ASSERT_FALSE(junit.empty());
  EXPECT_EQ(junit["attrib"]["failures"], "1");
  EXPECT_EQ(junit["properties"]["result"], "failed");
  int failures = 0;
  for (const auto& c : junit["cases"]) {
    if (!c.contains("failure")) continue;
    ++failures;
    EXPECT_EQ(c["name"], "upload");
    EXPECT_THAT(c["failure"]["message"].get<std::string>(), HasSubstr("127.0.0.1:" + std::to_string(port))) << c.dump();
    EXPECT_THAT(c["failure"]["text"].get<std::string>(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  }
  EXPECT_EQ(failures, 1);
}

// The report stays well-formed whatever a step printed or failed with:
// markup characters, quotes, control characters, invalid UTF-8.
TEST(Junit, EscapesEverythingAStepCanSay) {
  TempDir t;
  write_file(t / "wf.yaml",
             "name: odd<&>\nsteps:\n"
             "  - id: ok\n    uses: exec\n    with: {argv: [\"true\"]}\n"
             "  - id: bad\n    uses: exec\n    with: {argv: [\"false\"]}\n"
             "  - id: gate\n    uses: gate\n"
             "  - id: later\n    uses: exec\n    with: {argv: [\"true\"]}\n"
             "  - id: never\n    uses: exec\n    with: {argv: [\"true\"]}\n");
  relman::Workflow wf = relman::load_workflow(t / "wf.yaml");
  std::string nasty = std::string("a <b> & \"c\" 'd'\x01\x1b[31m \xff\xfe caf\xc3\xa9 ]]> end\nsecond line");
  std::vector<json> evs = {
      {{"event", "run_started"},
       {"version", "3.12.0"},
       {"kind", "final"},
       {"mode", "rehearse"},
       {"workflow", "wf.yaml"},
       {"workflow_hash", "abc"},
       {"seq", 1},
       {"t_ms", 1000}},
      {{"event", "step_started"}, {"step", "ok"}, {"attempt", 1}, {"seq", 2}, {"t_ms", 1000}},
      {{"event", "step_succeeded"}, {"step", "ok"}, {"seq", 3}, {"t_ms", 3500}},
      {{"event", "step_started"}, {"step", "bad"}, {"attempt", 1}, {"seq", 4}, {"t_ms", 3500}},
      {{"event", "step_failed"}, {"step", "bad"}, {"error", nasty}, {"seq", 5}, {"t_ms", 4000}},
      {{"event", "step_waiting"}, {"step", "gate"}, {"message", "x"}, {"seq", 6}, {"t_ms", 4000}},
      {{"event", "step_skipped"}, {"step", "later"}, {"by", "user"}, {"reason", nasty}, {"seq", 7}, {"t_ms", 4000}},
  };
  relman::RunState st = relman::fold(evs);
  fs::create_directories(t / "logs");
  write_file(t / "logs" / "bad.log", "compiling\n" + nasty + "\n");
  write_file(t / "junit.xml", relman::cli::junit_xml(wf, st, t / "logs", 9000));

  json j = parse_junit(t / "junit.xml");
  ASSERT_FALSE(j.empty()) << read_file(t / "junit.xml");
  EXPECT_EQ(j["attrib"]["name"], "relman 3.12.0");
  EXPECT_EQ(j["attrib"]["tests"], "5");
  EXPECT_EQ(j["attrib"]["failures"], "1");
  EXPECT_EQ(j["attrib"]["skipped"], "3");
  EXPECT_EQ(j["attrib"]["time"], "8.000");
  ASSERT_EQ(j["cases"].size(), 5u);
  EXPECT_EQ(j["cases"][0]["classname"], "relman.odd<&>");
  EXPECT_EQ(j["cases"][0]["time"], "2.500");
  const json& bad = j["cases"][1];
  std::string message = bad["failure"]["message"];
  EXPECT_THAT(message, Not(HasSubstr(std::string(1, '\n')))) << "the message is the first line only";
  EXPECT_THAT(message, HasSubstr("a <b> & \"c\" 'd'")) << message;
  EXPECT_THAT(message, HasSubstr("caf\xc3\xa9 ]]> end")) << message;
  EXPECT_THAT(bad["failure"]["text"].get<std::string>(), HasSubstr("second line"));
  EXPECT_THAT(bad["system-out"]["text"].get<std::string>(), HasSubstr("compiling")) << bad.dump();
  EXPECT_EQ(j["cases"][2]["skipped"]["message"], "waiting for approval");
  std::string reason = j["cases"][3]["skipped"]["message"];
  EXPECT_THAT(reason, HasSubstr("a <b>"));
  EXPECT_THAT(reason, HasSubstr("\nsecond line")) << "line breaks in attributes survive as &#10;";
  EXPECT_EQ(j["cases"][4]["skipped"]["message"], "not reached");
}
