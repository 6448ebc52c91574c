#include "core/journal.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/redactor.h"
#include "core/state.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

using namespace relman;
using relman::test::TempDir;

namespace {

std::string write_journal(const std::filesystem::path& file, int events) {
  Journal j(file, Journal::Loaded{}, nullptr);
  j.append({{"event", "run_started"}, {"version", "3.12.0"}, {"mode", "rehearse"}});
  for (int i = 0; i < events; ++i) {
    std::string id = "s" + std::to_string(i);
    j.append({{"event", "step_started"}, {"step", id}});
    j.append({{"event", "step_succeeded"}, {"step", id}, {"outputs", {{"n", i}, {"text", "ünïcode \"quoted\""}}}});
  }
  return test::read_file(file);
}

}  // namespace

TEST(Journal, RoundTripsEventsWithSequenceAndTime) {
  TempDir d;
  write_journal(d / "j", 3);
  auto loaded = Journal::read(d / "j");
  ASSERT_EQ(loaded.events.size(), 7u);
  EXPECT_FALSE(loaded.torn);
  EXPECT_EQ(loaded.events[0]["v"], Journal::kFormat);
  EXPECT_EQ(loaded.events[6]["seq"], 7);
  EXPECT_EQ(loaded.events[6]["outputs"]["text"], "ünïcode \"quoted\"");
  auto st = fold(loaded.events);
  EXPECT_EQ(st.steps["s2"].state, StepState::succeeded);
  // Appending after a reopen continues the sequence.
  Journal again(d / "j", loaded, nullptr);
  auto ev = again.append({{"event", "run_finished"}});
  EXPECT_EQ(ev["seq"], 8);
}

TEST(Journal, EveryTruncationLoadsAndDropsOnlyTheTornTail) {
  TempDir d;
  std::string full = write_journal(d / "full", 4);
  size_t complete_lines = 0;
  for (size_t len = 0; len <= full.size(); ++len) {
    std::string cut = full.substr(0, len);
    test::write_file(d / "cut", cut);
    Journal::Loaded loaded;
    ASSERT_NO_THROW(loaded = Journal::read(d / "cut")) << "length " << len;
    size_t lines = static_cast<size_t>(std::count(cut.begin(), cut.end(), '\n'));
    EXPECT_EQ(loaded.events.size(), lines) << "length " << len;
    bool at_boundary = cut.empty() || cut.back() == '\n';
    EXPECT_EQ(loaded.torn, !at_boundary) << "length " << len;
    EXPECT_EQ(!loaded.warning.empty(), !at_boundary) << "length " << len;
    // The streaming reader that loads runs agrees on every length, in one
    // pass and cut in two halves parsed on two threads.
    for (size_t parallel_from : {Journal::kParallelFrom, size_t{0}}) {
      std::vector<uint64_t> seqs;
      auto streamed = Journal::scan(
          d / "cut", [&](Event& e) { seqs.push_back(e.seq); }, parallel_from);
      ASSERT_EQ(seqs.size(), lines) << "length " << len << " parallel_from " << parallel_from;
      for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1) << "length " << len;
      EXPECT_EQ(streamed.torn, loaded.torn) << "length " << len;
      EXPECT_EQ(streamed.good_size, loaded.good_size) << "length " << len;
      EXPECT_EQ(streamed.last_seq, loaded.last_seq) << "length " << len;
      EXPECT_EQ(streamed.warning, loaded.warning) << "length " << len;
    }
    if (at_boundary) ++complete_lines;
    // Reopening for append cuts the torn tail, and the result loads whole
    // (checked on a sample of lengths: each costs two fsyncs).
    if (len % 11 != 0 && !at_boundary) continue;
    {
      Journal j(d / "cut", loaded, nullptr);
      j.append({{"event", "run_resumed"}});
    }
    auto after = Journal::read(d / "cut");
    EXPECT_FALSE(after.torn);
    EXPECT_EQ(after.events.size(), lines + 1);
  }
  EXPECT_EQ(complete_lines, 10u);  // 9 lines, plus the empty file
}

TEST(Journal, DamageInTheMiddleIsAnErrorAndLeavesTheFileUntouched) {
  TempDir d;
  std::string full = write_journal(d / "j", 3);
  std::vector<std::string> damaged = {
      full.substr(0, 30) + "#" + full.substr(31),                                            // a flipped byte
      full.substr(0, full.find('\n') + 1) + "garbage\n" + full.substr(full.find('\n') + 1),  // an inserted line
      full.substr(0, full.find('\n') + 1) + "{\"no\":\"event\"}\n" + full.substr(full.find('\n') + 1),
  };
  // Damage in the back half (which a helper thread parses in a long
  // journal), and in both halves: the first in file order is reported.
  size_t last_line = full.rfind('\n', full.size() - 2) + 1;
  size_t before_last = full.rfind('\n', last_line - 2) + 1;
  std::string back_damaged = full.substr(0, before_last + 5) + "#" + full.substr(before_last + 6);
  damaged.push_back(back_damaged);
  damaged.push_back(back_damaged.substr(0, 30) + "#" + back_damaged.substr(31));
  for (const auto& bytes : damaged) {
    test::write_file(d / "bad", bytes);
    std::string by_tree, by_stream;
    try {
      Journal::read(d / "bad");
      FAIL() << "damage was not detected";
    } catch (const StateError& e) {
      by_tree = e.what();
      EXPECT_THAT(by_tree, HasSubstr("is damaged at line")) << by_tree;
      EXPECT_THAT(by_tree, HasSubstr("untouched"));
    }
    for (size_t parallel_from : {Journal::kParallelFrom, size_t{0}}) {
      by_stream.clear();
      try {
        Journal::scan(
            d / "bad", [](Event&) {}, parallel_from);
      } catch (const StateError& e) {
        by_stream = e.what();
      }
      EXPECT_EQ(by_stream, by_tree) << "parallel_from " << parallel_from;
    }
    EXPECT_EQ(test::read_file(d / "bad"), bytes);
  }
}

TEST(Journal, ANewerFormatIsRefused) {
  TempDir d;
  test::write_file(
      d / "j",
      "{\"v\":1,\"seq\":1,\"event\":\"run_started\"}\n{\"v\":1,\"seq\":2,\"event\":\"run_resumed\"}\n{\"v\":2,\"seq\":"
      "3,\"event\":\"step_started\",\"step\":\"a\"}\n{\"v\":1,\"seq\":4,\"event\":\"x\"}\n");
  EXPECT_THAT([&] { Journal::read(d / "j"); },
              ThrowsMessage<StateError>(HasSubstr("line 3 is in format 2, written by a newer relman")));
  // The streaming reader too, in one pass and with the line in the half a
  // helper thread parses.
  for (size_t parallel_from : {Journal::kParallelFrom, size_t{0}}) {
    EXPECT_THAT(
        [&] {
          Journal::scan(
              d / "j", [](Event&) {}, parallel_from);
        },
        ThrowsMessage<StateError>(HasSubstr("line 3 is in format 2, written by a newer relman")));
  }
}

namespace {

// Everything the fold knows, as JSON, so two states compare readably.
nlohmann::json dump_state(const RunState& st) {
  nlohmann::json steps = nlohmann::json::object();
  for (const auto& [id, s] : st.steps) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& a : s.history) history.push_back({a.started_ms, a.ended_ms, a.result, a.error});
    steps[id] = {{"state", to_string(s.state)},  {"attempts", s.attempts},
                 {"history", history},           {"error", s.error},
                 {"reason", s.reason},           {"skipped_by", s.skipped_by},
                 {"outputs", s.outputs},         {"checkpoint", s.checkpoint},
                 {"approved", s.approved},       {"approved_by", s.approved_by},
                 {"approved_ms", s.approved_ms}, {"waiting_since_ms", s.waiting_since_ms},
                 {"reconciled", s.reconciled}};
  }
  return {{"started", st.started},
          {"run", st.run},
          {"version", st.version},
          {"mode", st.mode},
          {"workflow", st.workflow_file},
          {"hash", st.workflow_hash},
          {"plan", st.plan},
          {"finished", st.finished},
          {"started_ms", st.started_ms},
          {"finished_ms", st.finished_ms},
          {"events", st.events},
          {"steps", steps}};
}

}  // namespace

// A run is loaded by streaming each line into the fold (Journal::scan and
// EventReader); it must give exactly the state that folding the parsed
// JSON events gives, for every kind of event.
TEST(Journal, StreamingLoadFoldsToTheSameStateAsTheJsonEvents) {
  TempDir d;
  {
    Journal j(d / "j", Journal::Loaded{}, nullptr);
    nlohmann::json plan = {{{"id", "a"}, {"uses", "exec"}, {"effect", "local"}},
                           {{"id", "gate"}, {"uses", "gate"}, {"effect", "none"}}};
    j.append({{"event", "run_started"},
              {"version", "3.12.0"},
              {"kind", "final"},
              {"mode", "rehearse"},
              {"workflow", "/w.yaml"},
              {"workflow_hash", "h1"},
              {"plan", plan},
              {"settings", {{"jobs", 2}}}});
    j.append({{"event", "step_skipped"}, {"step", "check-ci"}, {"reason", "skipped at start"}, {"by", "start"}});
    j.append({{"event", "step_started"}, {"step", "a"}, {"attempt", 1}});
    j.append({{"event", "step_checkpoint"}, {"step", "a"}, {"data", {{"commit", "abc"}}}});
    j.append({{"event", "step_failed"}, {"step", "a"}, {"error", "exit 2\nsecond line"}});
    j.append({{"event", "run_finished"}, {"outcome", "failed"}});
    j.append({{"event", "run_resumed"}});
    j.append({{"event", "workflow_changed"}, {"workflow_hash", "h2"}, {"plan", plan}});
    j.append({{"event", "step_reset"}, {"step", "a"}});
    j.append({{"event", "step_started"}, {"step", "a"}, {"attempt", 2}});
    j.append({{"event", "step_checkpoint"}, {"step", "a"}, {"data", {{"tag", "v3.12.0"}}}});
    j.append({{"event", "step_succeeded"}, {"step", "a"}, {"outputs", {{"files", {"x.tgz"}}, {"n", 3}}}});
    j.append({{"event", "step_waiting"}, {"step", "gate"}});
    j.append({{"event", "step_approved"}, {"step", "gate"}, {"by", "rm"}});
    j.append({{"event", "step_started"}, {"step", "gate"}});
    j.append({{"event", "step_started"}, {"step", "gate"}});  // the process died: interrupted
    j.append({{"event", "step_succeeded"}, {"step", "gate"}, {"reconciled", true}});
    j.append({{"event", "some_future_event"}, {"step", "a"}, {"data", {{"x", 1}}}});
    j.append({{"event", "run_finished"}, {"outcome", "finished"}});
  }
  auto loaded = Journal::read(d / "j");
  RunState by_tree = fold(loaded.events);
  RunState by_stream, by_two_threads;
  auto streamed = Journal::scan(d / "j", [&](Event& e) { apply_event(by_stream, e); });
  EXPECT_EQ(dump_state(by_stream), dump_state(by_tree));
  EXPECT_EQ(streamed.last_seq, 19u);
  Journal::scan(
      d / "j", [&](Event& e) { apply_event(by_two_threads, e); }, 0);
  EXPECT_EQ(dump_state(by_two_threads), dump_state(by_tree));
  // And the states say what happened.
  EXPECT_EQ(by_stream.steps["a"].attempts, 2);
  EXPECT_EQ(by_stream.steps["a"].checkpoint, nlohmann::json({{"tag", "v3.12.0"}}));
  EXPECT_EQ(by_stream.steps["gate"].history.front().result, "interrupted");
  EXPECT_TRUE(by_stream.steps["gate"].reconciled);
  EXPECT_EQ(by_stream.workflow_hash, "h2");
  EXPECT_EQ(by_stream.run.value("settings", nlohmann::json()), nlohmann::json({{"jobs", 2}}));
  EXPECT_EQ(by_stream.plan.size(), 2u);
  EXPECT_TRUE(by_stream.finished);
}

TEST(Journal, SecretsAreRedactedBeforeTheyReachTheDisk) {
  TempDir d;
  Redactor r;
  r.add("s3cr3t-token-value");
  Journal j(d / "j", Journal::Loaded{}, &r);
  j.append({{"event", "step_failed"}, {"step", "a"}, {"error", "401 for token s3cr3t-token-value"}});
  std::string bytes = test::read_file(d / "j");
  EXPECT_THAT(bytes, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(bytes, HasSubstr("401 for token ***"));
}

// The sink may throw (the fold refuses a second run start) while the helper
// thread is still parsing: the error comes out whole and the thread is
// joined before the error leaves scan().
TEST(Journal, ASinkErrorStopsTheLoadCleanly) {
  TempDir d;
  write_journal(d / "j", 50);
  std::string bytes = test::read_file(d / "j");
  // run_started twice, the seqs renumbered so the lines themselves are sound.
  std::string twice = bytes.substr(0, bytes.find('\n') + 1) + bytes, renumbered;
  uint64_t seq = 0;
  for (size_t pos = 0, nl; (nl = twice.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    auto ev = nlohmann::json::parse(twice.substr(pos, nl - pos));
    ev["seq"] = ++seq;
    renumbered += ev.dump() + "\n";
  }
  test::write_file(d / "j", renumbered);
  for (size_t parallel_from : {Journal::kParallelFrom, size_t{0}}) {
    RunState st;
    EXPECT_THAT(
        [&] {
          Journal::scan(
              d / "j", [&](Event& e) { apply_event(st, e); }, parallel_from);
        },
        ThrowsMessage<StateError>(HasSubstr("starts a second run")));
  }
}

// Every event carries its seq, 1, 2, 3...: a line that lost it (two flipped
// bytes turn "seq" into another key) or a gap (a line removed) is damage,
// even on the last line, where a crash leaves only an incomplete line.
TEST(Journal, SeqsMustRunWithoutAGap) {
  TempDir d;
  std::string full = write_journal(d / "j", 300);  // long enough for the parallel reader
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = full.find('\n', pos)) != std::string::npos; pos = nl + 1)
    lines.push_back(full.substr(pos, nl - pos + 1));
  auto join = [&](size_t drop, size_t flip) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i == drop) continue;
      std::string l = lines[i];
      if (i == flip) l.replace(l.find("\"seq\""), 5, "\"sfp\"");
      out += l;
    }
    return out;
  };
  const size_t n = lines.size(), none = n + 1;
  struct Case {
    std::string bytes, want;
  };
  std::vector<Case> cases = {
      {join(none, 5), "damaged at line 6 (it has no \"seq\""},
      {join(none, n - 1), fmt::format("damaged at line {} (it has no \"seq\"", n)},
      {join(7, none), "damaged at line 8 (its seq is 9 where 8 was expected"},
      {join(n / 2 + 3, none),
       fmt::format("damaged at line {} (its seq is {} where {} was expected", n / 2 + 4, n / 2 + 5, n / 2 + 4)},
      {join(0, none), "damaged at line 1 (its seq is 2 where 1 was expected"},
      {join(none, none) + lines[4],
       fmt::format("damaged at line {} (its seq is 5 where {} was expected", n + 1, n + 1)},
  };
  for (const auto& c : cases) {
    test::write_file(d / "bad", c.bytes);
    try {
      Journal::read(d / "bad");
      ADD_FAILURE() << "accepted: " << c.want;
    } catch (const StateError& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr(c.want)) << e.what();
    }
    for (size_t parallel_from : {Journal::kParallelFrom, size_t{0}, size_t{1}}) {
      try {
        Journal::scan(
            d / "bad", [](Event&) {}, parallel_from);
        ADD_FAILURE() << "scan accepted: " << c.want << " parallel_from " << parallel_from;
      } catch (const StateError& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr(c.want)) << e.what() << " parallel_from " << parallel_from;
      }
    }
    EXPECT_EQ(test::read_file(d / "bad"), c.bytes);
  }
}
