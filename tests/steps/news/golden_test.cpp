// `blurb release` and `blurb merge` byte for byte: the files the real blurb
// wrote for tests/fixtures/news/tree (see that directory's README.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include "test_paths.h"

#include <filesystem>

#include "steps/news/layout.h"
#include "steps/news/merge.h"
#include "steps/news/release.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::news {
namespace {

namespace fs = std::filesystem;
using test::read_file;

const fs::path kNews = fs::path(RELMAN_TEST_DIR) / "fixtures" / "news";
const std::string kDate = "2026-12-01";  // the day expected/ was made

std::string expected(const std::string& name) { return read_file(kNews / "expected" / name); }

// The fixture tree copied, so a release can be applied to it.
struct TreeCopy {
  test::TempDir dir;
  TreeCopy() { fs::copy(kNews / "tree", dir.path(), fs::copy_options::recursive); }
  DiskTree tree() const { return DiskTree(dir.path()); }
  void apply(const ReleasePlan& plan) {
    test::write_file(dir / plan.output, plan.text);
    for (const auto& e : plan.consumed) fs::remove(dir / e);
  }
};

TEST(NewsGolden, MergeWithEntriesInNextMatchesBlurb) {
  EXPECT_EQ(merge_news(DiskTree(kNews / "tree")), expected("NEWS.before-release"));
}

TEST(NewsGolden, ReleaseMatchesBlurb) {
  TreeCopy t;
  ReleasePlan plan = plan_release(t.tree(), "3.10.23", kDate);
  EXPECT_EQ(plan.output, "Misc/NEWS.d/3.10.23.rst");
  EXPECT_EQ(plan.text, expected("3.10.23.rst"));
  // Every entry in next/, README.rst left alone.
  EXPECT_EQ(plan.consumed.size(), 14u);
  EXPECT_THAT(plan.consumed, Not(::testing::Contains(HasSubstr("README"))));
  EXPECT_EQ(plan.consumed.front(), "Misc/NEWS.d/next/Security/2026-10-05-08-00-00.gh-issue-158801.SeC0a1.rst");
}

TEST(NewsGolden, MergeAfterTheReleaseMatchesBlurb) {
  TreeCopy t;
  t.apply(plan_release(t.tree(), "3.10.23", kDate));
  EXPECT_TRUE(next_entries(t.tree()).empty());
  EXPECT_EQ(merge_news(t.tree()), expected("NEWS.after-release"));
}

TEST(NewsGolden, ReleaseWithoutEntriesMatchesBlurbAndStillMerges) {
  TreeCopy t;
  t.apply(plan_release(t.tree(), "3.10.23", kDate));
  ReleasePlan empty = plan_release(t.tree(), "3.10.24", kDate);
  EXPECT_TRUE(empty.consumed.empty());
  EXPECT_EQ(empty.text, expected("3.10.24.rst"));
  t.apply(empty);
  // blurb stops here on the file it wrote; relman renders it.
  std::string news = merge_news(t.tree());
  EXPECT_THAT(news, HasSubstr("What's New in Python 3.10.24 final?\n"
                              "===================================\n\n"
                              "*Release date: 2026-12-01*\n\n"
                              "There were no new changes in version 3.10.24.\n\n\n\n"
                              "What's New in Python 3.10.23 final?\n"));
  EXPECT_THAT(news, HasSubstr("There were no new changes in version 3.7.3.\n"));
}

TEST(NewsGolden, ReleaseRefusesAnExistingReleaseFile) {
  TreeCopy t;
  t.apply(plan_release(t.tree(), "3.10.23", kDate));
  EXPECT_THAT([&] { plan_release(t.tree(), "3.10.23", kDate); },
              ThrowsMessage<NewsError>(HasSubstr("Misc/NEWS.d/3.10.23.rst exists already")));
}

TEST(NewsGolden, ABadEntryNamesItsFileAndLine) {
  TreeCopy t;
  test::write_file(t.dir / "Misc/NEWS.d/next/Library/2026-10-20-00-00-00.gh-issue-158900.BaD001.rst",
                   "gh-158900: the body may not start with the issue.\n");
  EXPECT_THAT([&] { plan_release(t.tree(), "3.10.23", kDate); },
              ThrowsMessage<NewsError>(AllOf(
                  HasSubstr("Error in Misc/NEWS.d/next/Library/2026-10-20-00-00-00.gh-issue-158900.BaD001.rst:1:"),
                  HasSubstr("Blurb 'body' can't start with 'gh-'!"))));
}

TEST(NewsGolden, MergeRefusesATreeWithoutNews) {
  test::TempDir empty;
  EXPECT_THROW(merge_news(DiskTree(empty.path())), NewsError);
}

// Compares with the real blurb when one is installed (python/blurb); the
// golden files above stand in for it everywhere else.
TEST(NewsGolden, SameBytesAsTheBlurbOnPathWhenThereIsOne) {
  if (test::sh("command -v blurb").exit_code != 0) GTEST_SKIP() << "no blurb on PATH";
  test::TempDir out;
  test::sh_ok((kNews / "make-golden.sh").string() + " " + test::quote(out.path().string()) + " >/dev/null 2>&1");
  std::string today = test::sh_ok("date +%Y-%m-%d");
  today.pop_back();
  TreeCopy t;
  ReleasePlan plan = plan_release(t.tree(), "3.10.23", today);
  EXPECT_EQ(merge_news(t.tree()), read_file(out / "NEWS.before-release"));
  EXPECT_EQ(plan.text, read_file(out / "3.10.23.rst"));
  t.apply(plan);
  EXPECT_EQ(merge_news(t.tree()), read_file(out / "NEWS.after-release"));
  EXPECT_EQ(plan_release(t.tree(), "3.10.24", today).text, read_file(out / "3.10.24.rst"));
}

}  // namespace
}  // namespace relman::news
