// Every command on every journal a crash, a failed start or damage can
// leave gives its documented exit code and message (docs/state-format.md):
//   empty journal (the start failed before recording anything): exit 2,
//     "there is no run in DIR: its journal is empty";
//   first line torn (a crash while the run started): exit 5, "records no
//     run start (its first line was cut short";
//   a line without "seq", a gap or a repeat in the seqs: exit 5, "is damaged
//     at line N" with what is wrong, and the file left untouched;
//   a torn last line: a warning, and the command works.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

class JournalStates : public ::testing::Test {
 protected:
  JournalStates() {
    relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
    write_file(dir / "wf.yaml",
               "name: small\nsteps:\n  - id: a\n    uses: exec\n    with: {argv: [\"true\"]}\n"
               "  - id: b\n    uses: exec\n    with: {argv: [\"true\"]}\n"
               "  - id: c\n    uses: exec\n    with: {argv: [\"true\"]}\n");
    Ran r = relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string(),
                    "--jobs", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    good = read_file(journal());
  }
  fs::path journal() const { return dir / "state" / "journal.jsonl"; }
  Ran relman(std::vector<std::string> args) {
    return relman::test::relman_on((dir / "state"), std::move(args), dir / "repo");
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (size_t pos = 0, nl; (nl = good.find('\n', pos)) != std::string::npos; pos = nl + 1)
      out.push_back(good.substr(pos, nl - pos + 1));
    return out;
  }
  // Every command that reads or drives a run, on the journal `bytes`:
  // each exits `code` saying `message`, and none changes the file.
  void expect_all(const std::string& bytes, int code, const std::string& message) {
    write_file(journal(), bytes);
    const std::vector<std::vector<std::string>> commands = {
        {"status"},     {"status", "--json"},           {"report"},      {"log", "a"}, {"verify"}, {"resume"},
        {"retry", "a"}, {"skip", "c", "--reason", "x"}, {"approve", "b"}};
    for (const auto& c : commands) {
      Ran r = relman(c);
      EXPECT_EQ(r.exit_code, code) << c[0] << " " << (c.size() > 1 ? c[1] : "") << "\n" << r.out << r.err;
      EXPECT_THAT(r.err, HasSubstr(message)) << c[0] << ": expected " << message << "\ngot: " << r.err;
      EXPECT_THAT(r.err, Not(HasSubstr("json.exception"))) << r.err;
      EXPECT_EQ(read_file(journal()), bytes) << c[0] << " changed the journal";
    }
  }

  TempDir dir;
  std::string good;
};

}  // namespace

TEST_F(JournalStates, AnEmptyJournalHoldsNoRun) {
  expect_all("", 2, "there is no run in " + (dir / "state").string() + ": its journal is empty");
}

TEST_F(JournalStates, AFirstLineCutShortHoldsNoRunAtEveryOffset) {
  std::string first = lines()[0];
  for (size_t cut : {size_t{1}, size_t{10}, first.size() / 2, first.size() - 2, first.size() - 1}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_all(first.substr(0, cut), 5, "records no run start (its first line was cut short");
  }
  // A run whose start failed that way can be started again once removed.
  fs::remove_all(dir / "state");
  Ran again =
      relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(JournalStates, ALineWithoutSeqIsDamageAnywhere) {
  auto ls = lines();
  ASSERT_GE(ls.size(), 6u);
  for (size_t i : {size_t{2}, ls.size() - 1}) {
    SCOPED_TRACE("line " + std::to_string(i + 1));
    std::string bytes;
    for (size_t k = 0; k < ls.size(); ++k) {
      std::string l = ls[k];
      // Two flipped bytes: "seq" becomes "sfp", a key nobody reads.
      if (k == i) l.replace(l.find("\"seq\""), 5, "\"sfp\"");
      bytes += l;
    }
    expect_all(bytes, 5, "is damaged at line " + std::to_string(i + 1) + " (it has no \"seq\"");
  }
}

TEST_F(JournalStates, AGapOrARepeatInTheSeqsIsDamage) {
  auto ls = lines();
  std::string gap, repeat;
  for (size_t k = 0; k < ls.size(); ++k) {
    if (k != 3) gap += ls[k];
    repeat += ls[k];
    if (k == 3) repeat += ls[k];
  }
  expect_all(gap, 5, "is damaged at line 4 (its seq is 5 where 4 was expected");
  expect_all(repeat, 5, "is damaged at line 5 (its seq is 4 where 5 was expected");
}

TEST_F(JournalStates, ATornLastLineIsDroppedWithAWarning) {
  write_file(journal(), good.substr(0, good.size() - 7));
  Ran st = relman({"status"});
  EXPECT_EQ(st.exit_code, 0) << st.err;
  EXPECT_THAT(st.err, HasSubstr("is incomplete")) << st.err;
  Ran verify = relman({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("is incomplete")) << verify.out;
}

TEST_F(JournalStates, ASoundJournalVerifies) {
  Ran verify = relman({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr(std::to_string(lines().size()) + " events, sound")) << verify.out;
}
