// Every file in tests/fixtures/bad/ is a broken workflow whose first line
// says what relman must report ("# expect: LINE:COL: text"); cases.txt holds
// bad versions and command lines. Each must exit 2 with that message, never
// crash (the suite also runs under ASan/UBSan).
#include <gtest/gtest.h>
#include "test_paths.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/matchers.h"
#include "support/names.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> bad_workflows() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(RELMAN_TEST_DIR) / "fixtures" / "bad"))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(BadInput, EveryBadWorkflowIsRefusedWithItsLocation) {
  auto files = bad_workflows();
  ASSERT_GE(files.size(), 30u);
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string first;
    std::getline(in, first);
    ASSERT_THAT(first, StartsWith("# expect: ")) << f;
    std::string expect = first.substr(10);
    auto r = relman::test::relman({"plan", "3.12.0", "--workflow", f.string()});
    EXPECT_EQ(r.exit_code, 2) << f << "\n" << r.err;
    // A location "L:C: text" is checked as "<file>:L:C: text".
    static const std::regex location("^[0-9]+:[0-9]+: ");
    bool located = std::regex_search(expect, location);
    std::string want = located ? f.string() + ":" + expect : expect;
    EXPECT_THAT(r.err, HasSubstr(want)) << "expected: " << want << "\ngot: " << r.err;
    EXPECT_EQ(r.err.find("relman: error: "), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(BadInput, BadVersionsAndCommandLinesExitTwo) {
  relman::test::TempDir dir;
  std::ifstream in(fs::path(RELMAN_TEST_DIR) / "fixtures" / "bad" / "cases.txt");
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::istringstream words(line.substr(0, tab));
    std::vector<std::string> args;
    for (std::string w; words >> w;) args.push_back(w);
    std::string expect = line.substr(tab + 1);
    // Runs where the bundled workflows are found, in a scratch directory.
    auto r = relman::test::sh("cd " + relman::test::quote(dir.path().string()) + " && RELMAN_WORKFLOWS=" +
                              relman::test::quote(std::string(RELMAN_TEST_DIR) + "/../workflows") + " " +
                              relman::test::quote(RELMAN_BINARY) + " " + line.substr(0, tab));
    EXPECT_EQ(r.exit_code, 2) << line << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(expect)) << line << "\ngot: " << r.err;
    EXPECT_FALSE(fs::exists(dir / "release-state" / "3.12.0" / "journal.jsonl")) << line;
    ++cases;
  }
  EXPECT_GE(cases, 20);
}
