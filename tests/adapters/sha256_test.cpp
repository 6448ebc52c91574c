// SHA256SUMS read under one set of rules: what a line must look like, which
// names are refused, and that every refusal names its line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "adapters/sha256.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::TempDir;
using test::write_file;
using ::testing::ElementsAre;

const std::string a(64, 'a');
const std::string b(64, 'b');

std::vector<std::string> names(const Sha256Sums& sums) {
  std::vector<std::string> out;
  for (const auto& e : sums.entries) out.push_back(e.name);
  return out;
}

TEST(Sha256Sums, TextAndBinaryModeLinesAreReadWithCrlfAndUppercaseHex) {
  const std::string upper(64, 'C');
  const auto sums = parse_sha256sums(a + "  Python-3.14.0.tgz\r\n" + b + " *win/python.exe\n\n" + upper + "  x.txt");
  EXPECT_TRUE(sums.problems.empty()) << sums.problems.front();
  EXPECT_THAT(names(sums), ElementsAre("Python-3.14.0.tgz", "win/python.exe", "x.txt"));
  EXPECT_EQ(sums.entries[2].sha256, std::string(64, 'c'));
}

TEST(Sha256Sums, AMalformedLineIsAProblemNamingItsLine) {
  const auto sums =
      parse_sha256sums(a + "  good\nnot a checksum line at all, but long enough to look like one......\n" +
                       std::string(63, 'a') + "  short\n");
  EXPECT_THAT(names(sums), ElementsAre("good"));
  ASSERT_EQ(sums.problems.size(), 2u);
  EXPECT_THAT(sums.problems[0], HasSubstr("line 2: not '<64 hex digits>  <name>'"));
  EXPECT_THAT(sums.problems[1], HasSubstr("line 3:"));
}

TEST(Sha256Sums, HexThatIsNotHexIsRefused) {
  const auto sums = parse_sha256sums(std::string(63, 'a') + "g  file\n");
  EXPECT_TRUE(sums.entries.empty());
  ASSERT_EQ(sums.problems.size(), 1u);
  EXPECT_THAT(sums.problems[0], HasSubstr("line 1: the checksum is not 64 hex digits"));
}

TEST(Sha256Sums, NamesOutsideTheFolderAreRefused) {
  const auto sums = parse_sha256sums(a + "  ../up\n" + a + "  /etc/passwd\n" + a + "  dir/../../up\n" + a +
                                     "  dir/..\n" + a + "  fine/..name\n");
  EXPECT_THAT(names(sums), ElementsAre("fine/..name"));
  ASSERT_EQ(sums.problems.size(), 4u);
  EXPECT_THAT(sums.problems[0], HasSubstr("line 1: the name '../up' is outside the folder"));
  EXPECT_THAT(sums.problems[1], HasSubstr("line 2: the name '/etc/passwd' is outside the folder"));
  EXPECT_THAT(sums.problems[2], HasSubstr("line 3:"));
  EXPECT_THAT(sums.problems[3], HasSubstr("line 4:"));
}

TEST(Sha256Sums, AControlCharacterInANameIsRefused) {
  const auto sums = parse_sha256sums(a + "  evil\x1b[2Jname\n");
  EXPECT_TRUE(sums.entries.empty());
  ASSERT_EQ(sums.problems.size(), 1u);
  EXPECT_THAT(sums.problems[0], HasSubstr("control character"));
}

TEST(Sha256Sums, ANameListedTwiceIsAProblemAndBothLinesStayEntries) {
  const auto sums = parse_sha256sums(a + "  file\n" + b + "  file\n");
  // Both stay: a reader that checks every entry fails on the one that lies.
  EXPECT_THAT(names(sums), ElementsAre("file", "file"));
  ASSERT_EQ(sums.problems.size(), 1u);
  EXPECT_THAT(sums.problems[0], HasSubstr("line 2: 'file' is listed again"));
}

TEST(Sha256Sums, ReadingAFileKeepsTheEntriesThatFollowTheRules) {
  TempDir dir;
  EXPECT_TRUE(read_sha256sums(dir / "SHA256SUMS").empty());
  write_file(dir / "SHA256SUMS", a + "  good\n" + a + "  ../bad\ngarbage\n");
  const auto entries = read_sha256sums(dir / "SHA256SUMS");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "good");
  EXPECT_EQ(entries[0].sha256, a);
}

}  // namespace
}  // namespace relman
