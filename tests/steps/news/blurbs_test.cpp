// blurb's file format: its own parser fixtures (tests/pass, tests/fail) and
// the cases of its tests/test_blurb_file.py, with blurb's error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include "test_paths.h"

#include <filesystem>

#include "steps/news/blurbs.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace relman::news {
namespace {

namespace fs = std::filesystem;
using test::read_file;

const fs::path kParser = fs::path(RELMAN_TEST_DIR) / "fixtures" / "news" / "parser";

std::vector<fs::path> files_in(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BlurbParser, EveryPassFixtureReadsAndWritesBackAsItsRes) {
  auto files = files_in(kParser / "pass", ".rst");
  ASSERT_EQ(files.size(), 5u);
  for (const auto& f : files) {
    auto entries = load_blurbs(read_file(f), f.filename().string());
    ASSERT_FALSE(entries.empty()) << f;
    EXPECT_EQ(format_blurbs(entries), read_file(f.string() + ".res")) << f;
  }
}

TEST(BlurbParser, EveryFailFixtureIsRefused) {
  auto files = files_in(kParser / "fail", ".rst");
  ASSERT_EQ(files.size(), 12u);
  for (const auto& f : files) EXPECT_THROW(load_blurbs(read_file(f), f.filename().string()), NewsError) << f;
}

// The message blurb gives for `contents` (test_parse_no_body's cases).
std::string error_of(const std::string& contents) {
  try {
    parse_blurbs(contents, "input");
  } catch (const NewsError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BlurbParser, RefusesWithBlurbsMessages) {
  EXPECT_EQ(error_of(""), "Error in input:0:\nBlurb 'body' text must not be empty!");
  EXPECT_THAT(error_of("gh-issue: Hello world!"), HasSubstr("Blurb 'body' can't start with 'gh-'!"));
  EXPECT_THAT(error_of(".. gh-issue: 1\n.. section: IDLE\nHello world!"),
              HasSubstr("Invalid gh-issue number: '1' (must be >= 32426)"));
  EXPECT_THAT(error_of(".. bpo: one-two\n.. section: IDLE\nHello world!"), HasSubstr("Invalid bpo number: 'one-two'"));
  EXPECT_THAT(error_of(".. gh-issue: one-two\n.. section: IDLE\nHello world!"),
              HasSubstr("Invalid GitHub number: 'one-two'"));
  EXPECT_THAT(error_of(".. gh-issue: 123456\n.. section: Funky Kong\nHello world!"),
              HasSubstr("Invalid section 'Funky Kong'!  You must use one of the predefined sections"));
  EXPECT_THAT(error_of(".. gh-issue: 123456\nHello world!"),
              HasSubstr("No 'section' specified.  You must provide one!"));
  EXPECT_THAT(error_of(".. gh-issue: 123456\n.. section: IDLE\n.. section: IDLE\nHello world!"),
              HasSubstr("Blurb metadata sets 'section' twice!"));
  EXPECT_THAT(error_of(".. section: IDLE\nHello world!"),
              HasSubstr("'gh-issue:' or 'bpo:' must be specified in the metadata!"));
  // The line number is the last line read, counted from 0, as blurb counts.
  EXPECT_THAT(error_of(".. gh-issue: 1\n.. section: IDLE\n\nHello world!\n"), StartsWith("Error in input:4:\n"));
}

TEST(BlurbParser, ParsesMetadataAndBody) {
  auto entries = parse_blurbs(".. gh-issue: 123456\n.. section: IDLE\nHello world!", "input");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].metadata.get("gh-issue"), "123456");
  EXPECT_EQ(entries[0].metadata.get("section"), "IDLE");
  EXPECT_EQ(entries[0].body, "Hello world!\n");
}

TEST(BlurbParser, SeveralEntriesCommentsAndCaseInsensitiveNames) {
  auto entries = parse_blurbs(
      "# a comment\n.. GH-Issue: 40000\n.. section: Library\n\nFirst.\n\n..\n\n.. bpo: 12\n.. section: "
      "Build\nSecond.\n",
      "f");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].metadata.get("gh-issue"), "40000");
  EXPECT_EQ(entries[1].metadata.get("bpo"), "12");
  EXPECT_EQ(entries[1].body, "Second.\n");
  EXPECT_EQ(format_blurbs(entries),
            ".. gh-issue: 40000\n.. section: Library\n\nFirst.\n\n..\n\n.. bpo: 12\n.. section: Build\n\nSecond.\n");
}

TEST(BlurbParser, ANoChangesEntryMayHaveGhIssueZero) {
  // What `blurb release` writes without entries; blurb itself refuses to
  // read it back (README.md of the fixtures), relman reads it.
  auto entries = parse_blurbs(
      ".. date: 2026-12-01\n.. gh-issue: 0\n.. no changes: True\n.. nonce: iWdqWp\n.. release date: 2026-12-01\n"
      ".. section: Library\n\nThere were no new changes in version 3.10.24.\n",
      "3.10.24.rst");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(error_of(".. gh-issue: 0\n.. section: Library\n\nSome change.\n"),
              HasSubstr("Invalid gh-issue number: '0' (must be >= 32426)"));
}

TEST(NextFilename, SectionFromEitherSpellingOfTheDirectory) {
  // blurb's test_load_next.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Misc/NEWS.d/next/Library/2022-04-11-18-34-33.gh-issue-33333.pC7gnM.rst", "Library"},
      {"Misc/NEWS.d/next/Core_and_Builtins/2023-03-17-12-09-45.gh-issue-44444.Pf_BI7.rst", "Core and Builtins"},
      {"Misc/NEWS.d/next/Core and Builtins/2023-03-17-12-09-45.gh-issue-55555.Pf_BI7.rst", "Core and Builtins"},
      {"Misc/NEWS.d/next/Tools-Demos/2023-03-21-01-27-07.gh-issue-66666.2F1Byz.rst", "Tools/Demos"},
      {"Misc/NEWS.d/next/C_API/2023-03-27-22-09-07.gh-issue-77777.3SN8Bs.rst", "C API"},
      {"Misc/NEWS.d/next/C API/2023-03-27-22-09-07.gh-issue-88888.3SN8Bs.rst", "C API"}};
  for (const auto& [path, section] : cases) {
    Entry e = load_next("testing", path);
    EXPECT_EQ(e.metadata.get("section"), section) << path;
    EXPECT_EQ(e.body, "testing\n");
  }
}

TEST(NextFilename, DateIssueAndNonce) {
  Metadata m = parse_next_filename("Misc/NEWS.d/next/Library/2017-05-04-12-24-06.gh-issue-25458.Yl4gI2.rst");
  EXPECT_EQ(
      m,
      (Metadata{{"date", "2017-05-04-12-24-06"}, {"nonce", "Yl4gI2"}, {"section", "Library"}, {"gh-issue", "25458"}}));
  EXPECT_EQ(parse_next_filename("Misc/NEWS.d/next/Library/0122.bpo-0.iPpjqX.rst").get("bpo"), "0");
  EXPECT_THROW(parse_next_filename("Misc/NEWS.d/next/Library/notes.rst"), NewsError);
  EXPECT_THROW(parse_next_filename("Misc/NEWS.d/next/Library/2017.issue-5.abc.rst"), NewsError);
  EXPECT_THROW(parse_next_filename("Misc/NEWS.d/next/Funky/2017.gh-issue-40000.abc.rst"), NewsError);
}

TEST(NextFile, HoldsExactlyOneEntryAndNoMetadataOfItsPath) {
  const std::string path = "Misc/NEWS.d/next/Library/2017-05-04-12-24-06.gh-issue-40000.Yl4gI2.rst";
  EXPECT_THROW(load_next("One.\n..\nTwo.\n", path), NewsError);
  EXPECT_THAT([&] { load_next(".. section: Library\nText.\n", path); },
              ThrowsMessage<NewsError>(HasSubstr("Blurb metadata sets 'section' twice!")));
  // A gh-issue number below blurb's lowest in the path is refused too.
  EXPECT_THROW(load_next("Text.\n", "Misc/NEWS.d/next/Library/2017-05-04-12-24-06.gh-issue-1.abc.rst"), NewsError);
}

TEST(Nonce, IsBlurbsMd5Base64Prefix) {
  // CPython's Misc/NEWS.d/3.7.3.rst, written by blurb release: nonce Xtsa8s.
  EXPECT_EQ(generate_nonce("There were no new changes in version 3.7.3.\n"), "Xtsa8s");
  EXPECT_EQ(generate_nonce("There were no new changes in version 3.10.24.\n"), "iWdqWp");
}

}  // namespace
}  // namespace relman::news
