#include "core/event_reader.h"

#include <gtest/gtest.h>

#include "core/journal.h"

using namespace relman;
using nlohmann::json;

namespace {

// What the fold would see, as JSON, so a mismatch prints readably.
json seen(const Event& e) {
  return {{"name", e.name},
          {"step", e.step},
          {"error", e.error},
          {"reason", e.reason},
          {"by", e.by},
          {"t_ms", e.t_ms},
          {"seq", e.seq},
          {"reconciled", e.reconciled},
          {"has_outputs", e.has_outputs},
          {"outputs", e.outputs},
          {"has_data", e.has_data},
          {"data", e.data}};
}

Event read_line(EventReader& reader, const std::string& line, EventReader::Result* result = nullptr) {
  Event e;
  auto r = reader.read(line.data(), line.data() + line.size(), e);
  if (result) *result = r;
  return e;
}

}  // namespace

// The reader is an optimisation of "parse the line, then take the fields":
// for every shape of event the two must agree exactly.
TEST(EventReader, AgreesWithTheJsonTreeOnEveryShapeOfEvent) {
  const std::vector<std::string> lines = {
      R"({"v":1,"seq":1,"event":"run_started","t_ms":1790000000000,"time":"2026-09-21T12:00:00.000Z","version":"3.12.0","plan":[{"id":"a"}]})",
      R"({"v":1,"seq":2,"event":"step_started","step":"tag","t_ms":1790000000003,"attempt":2})",
      R"({"data":{"commit":"0123abcd","nested":{"list":[1,2.5,null,true,"x",{"k":[]}]}},"event":"step_checkpoint","seq":3,"step":"tag","t_ms":5,"v":1})",
      R"({"v":1,"seq":4,"event":"step_succeeded","step":"export","t_ms":9,"outputs":{"files":["a.tgz","a.tar.xz"],"exit_code":0,"sizes":{"a.tgz":123456789012}},"reconciled":true})",
      R"({"v":1,"seq":5,"event":"step_failed","step":"build","t_ms":10,"error":"make: *** [all] Error 2\nline two \"quoted\" \u00fcnicode"})",
      R"({"v":1,"seq":6,"event":"step_skipped","step":"check-ci","reason":"skipped at start","by":"start"})",
      R"({"v":1,"seq":7,"event":"step_approved","step":"green-light","by":"Thomas Wouters"})",
      R"({"v":1,"seq":8,"event":"step_succeeded","step":"x","outputs":"a scalar output","t_ms":-5})",
      R"({"v":1,"seq":9,"event":"step_succeeded","step":"y","outputs":[1,[2,[3]]],"data":7})",
      R"({"v":1,"seq":10,"event":"step_succeeded","step":"z","outputs":{},"data":null})",
      // Repeated keys: the last one wins, as in a JSON tree.
      R"({"v":1,"event":"step_started","step":"first","step":"second","seq":11,"seq":12})",
      R"({"v":1,"event":"step_failed","step":"s","error":"old","error":5})",
      // Unknown keys, nested objects nobody reads, and white space.
      R"(  { "v" : 1 , "event" : "future_event" , "extra" : { "step" : "not me" , "v" : 99 } , "list" : [ { "event" : "no" } ] }  )",
      // Wrong types are ignored as the tree reading ignores them.
      R"({"v":1,"event":"step_succeeded","step":"w","reconciled":"yes","t_ms":"soon","seq":-1,"by":3})",
  };
  EventReader reader;
  for (const auto& line : lines) {
    EventReader::Result r;
    Event fast = read_line(reader, line, &r);
    ASSERT_EQ(r.problem, nullptr) << line;
    EXPECT_EQ(r.v, 1) << line;
    Event slow;
    slow.assign(json::parse(line));
    EXPECT_EQ(seen(fast), seen(slow)) << line;
  }
}

// Journal::scan reuses one Event for every line.
TEST(EventReader, ReusedForManyLinesLeavesNothingBehind) {
  EventReader reader;
  Event e;
  std::string full =
      R"({"v":1,"event":"step_failed","step":"a","error":"boom","outputs":{"x":1},"data":{"y":2},"reconciled":true,"by":"me","reason":"r","t_ms":5,"seq":9})";
  std::string plain = R"({"v":1,"event":"step_started","step":"b"})";
  reader.read(full.data(), full.data() + full.size(), e);
  ASSERT_EQ(e.error, "boom");
  ASSERT_EQ(e.outputs, json({{"x", 1}}));
  reader.read(plain.data(), plain.data() + plain.size(), e);
  Event fresh;
  fresh.assign(json::parse(plain));
  EXPECT_EQ(seen(e), seen(fresh));
  EXPECT_TRUE(e.outputs.is_null());
  EXPECT_TRUE(e.whole.is_null());
}

// Whatever the tree-based check calls "not a relman event" or "not valid
// JSON", the reader calls the same.
TEST(EventReader, ClassifiesBadLinesAsTheTreeCheckDoes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"v":1,"event":"step_started")", "it is not valid JSON"},
      {R"({"v":1,"event":"a"} trailing)", "it is not valid JSON"},
      {R"(garbage)", "it is not valid JSON"},
      {R"()", "it is not valid JSON"},
      {R"({"v":1,"event":"a",})", "it is not valid JSON"},
      {R"([{"v":1,"event":"a"}])", "it is not a relman event"},
      {R"("a string")", "it is not a relman event"},
      {R"(42)", "it is not a relman event"},
      {R"(null)", "it is not a relman event"},
      {R"({})", "it is not a relman event"},
      {R"({"no":"event"})", "it is not a relman event"},
      {R"({"v":1})", "it is not a relman event"},
      {R"({"event":"a"})", "it is not a relman event"},
      {R"({"v":1,"event":7})", "it is not a relman event"},
      {R"({"v":1,"event":{"name":"a"}})", "it is not a relman event"},
      {R"({"v":1.0,"event":"a"})", "it is not a relman event"},
      {R"({"v":"1","event":"a"})", "it is not a relman event"},
      {R"({"v":1,"event":"a","event":5})", "it is not a relman event"},
      {R"({"event":"a","nested":{"v":1}})", "it is not a relman event"},
  };
  EventReader reader;
  for (const auto& [line, why] : cases) {
    EventReader::Result r;
    read_line(reader, line, &r);
    ASSERT_NE(r.problem, nullptr) << line;
    EXPECT_EQ(std::string(r.problem), why) << line;
  }
  EventReader::Result r;
  read_line(reader, R"({"v":2,"event":"a"})", &r);
  EXPECT_EQ(r.problem, nullptr);
  EXPECT_EQ(r.v, 2);  // the caller refuses a newer format
}
