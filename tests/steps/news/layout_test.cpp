// Which files blurb reads and in which order: its tests/test_utils_globs.py,
// tests/test_versions.py and tests/test_template.py cases, on real files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/news/layout.h"
#include "steps/news/sections.h"
#include "steps/news/versions.h"
#include "support/temp_dir.h"

namespace relman::news {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// A directory holding `files` (empty content), read as a Tree.
struct Files {
  test::TempDir dir;
  explicit Files(const std::vector<std::string>& files) {
    for (const auto& f : files) test::write_file(dir / f, "x\n");
  }
  DiskTree tree() const { return DiskTree(dir.path()); }
};

TEST(NewsSections, AreBlurbsInImportanceOrder) {
  EXPECT_THAT(sections(), ElementsAre("Security", "Core and Builtins", "Library", "Documentation", "Tests", "Build",
                                      "Windows", "macOS", "IDLE", "Tools/Demos", "C API"));
  EXPECT_EQ(sanitize_section("C API"), "C_API");
  EXPECT_EQ(sanitize_section("Core and Builtins"), "Core_and_Builtins");
  EXPECT_EQ(sanitize_section("Tools/Demos"), "Tools-Demos");
  EXPECT_EQ(sanitize_section("Library"), "Library");
  EXPECT_EQ(unsanitize_section("Tools-Demos"), "Tools/Demos");
  EXPECT_EQ(unsanitize_section("Library"), "Library");
}

TEST(NextEntries, SkipTheReadmes) {
  Files f({"Misc/NEWS.d/next/Library/2022-04-11-18-34-33.gh-issue-11111.pC7gnM.rst",
           "Misc/NEWS.d/next/Core and Builtins/2023-03-17-12-09-45.gh-issue-33333.Pf_BI7.rst",
           "Misc/NEWS.d/next/Tools-Demos/2023-03-21-01-27-07.gh-issue-44444.2F1Byz.rst",
           "Misc/NEWS.d/next/C API/2023-03-27-22-09-07.gh-issue-66666.3SN8Bs.rst",
           "Misc/NEWS.d/next/Library/README.rst", "Misc/NEWS.d/next/Core and Builtins/README.rst",
           "Misc/NEWS.d/next/Tools-Demos/README.rst", "Misc/NEWS.d/next/C API/README.rst"});
  EXPECT_THAT(next_entries(f.tree()),
              UnorderedElementsAre("Misc/NEWS.d/next/Library/2022-04-11-18-34-33.gh-issue-11111.pC7gnM.rst",
                                   "Misc/NEWS.d/next/Core and Builtins/2023-03-17-12-09-45.gh-issue-33333.Pf_BI7.rst",
                                   "Misc/NEWS.d/next/Tools-Demos/2023-03-21-01-27-07.gh-issue-44444.2F1Byz.rst",
                                   "Misc/NEWS.d/next/C API/2023-03-27-22-09-07.gh-issue-66666.3SN8Bs.rst"));
}

TEST(NextEntries, NewestFirstWhicheverSpellingOfTheDirectory) {
  Files f({"Misc/NEWS.d/next/Core and Builtins/2023-07-23-12-01-00.gh-issue-33331.Pf_BI1.rst",
           "Misc/NEWS.d/next/Core_and_Builtins/2023-07-23-12-02-00.gh-issue-33332.Pf_BI2.rst",
           "Misc/NEWS.d/next/Core and Builtins/2023-07-23-12-03-00.gh-issue-33333.Pf_BI3.rst",
           "Misc/NEWS.d/next/Core_and_Builtins/2023-07-23-12-04-00.gh-issue-33334.Pf_BI4.rst",
           "Misc/NEWS.d/next/Core and Builtins/README.rst"});
  EXPECT_THAT(next_entries(f.tree()),
              ElementsAre("Misc/NEWS.d/next/Core_and_Builtins/2023-07-23-12-04-00.gh-issue-33334.Pf_BI4.rst",
                          "Misc/NEWS.d/next/Core and Builtins/2023-07-23-12-03-00.gh-issue-33333.Pf_BI3.rst",
                          "Misc/NEWS.d/next/Core_and_Builtins/2023-07-23-12-02-00.gh-issue-33332.Pf_BI2.rst",
                          "Misc/NEWS.d/next/Core and Builtins/2023-07-23-12-01-00.gh-issue-33331.Pf_BI1.rst"));
}

TEST(NextEntries, SectionsInImportanceOrderNotAlphabetical) {
  const std::vector<std::string> in_order = {
      "Misc/NEWS.d/next/Security/2024-01-01-00-00-00.gh-issue-00000.aAAAAA.rst",
      "Misc/NEWS.d/next/Core_and_Builtins/2024-01-01-00-00-00.gh-issue-00001.bBBBBB.rst",
      "Misc/NEWS.d/next/Library/2024-01-01-00-00-00.gh-issue-00002.cCCCCC.rst",
      "Misc/NEWS.d/next/Documentation/2024-01-01-00-00-00.gh-issue-00003.dDDDDD.rst",
      "Misc/NEWS.d/next/Tests/2024-01-01-00-00-00.gh-issue-00004.eEEEEE.rst",
      "Misc/NEWS.d/next/Build/2024-01-01-00-00-00.gh-issue-00005.fFFFFF.rst",
      "Misc/NEWS.d/next/Windows/2024-01-01-00-00-00.gh-issue-00006.gGGGGG.rst",
      "Misc/NEWS.d/next/macOS/2024-01-01-00-00-00.gh-issue-00007.hHHHHH.rst",
      "Misc/NEWS.d/next/IDLE/2024-01-01-00-00-00.gh-issue-00008.iIIIII.rst",
      "Misc/NEWS.d/next/Tools-Demos/2024-01-01-00-00-00.gh-issue-00009.jJJJJJ.rst",
      "Misc/NEWS.d/next/C_API/2024-01-01-00-00-00.gh-issue-00010.kKKKKK.rst"};
  Files f(in_order);
  EXPECT_EQ(next_entries(f.tree()), in_order);
}

TEST(NextEntries, UnknownDirectoriesAreStrayAndMakeTagSeesThem) {
  Files f({"Misc/NEWS.d/next/Misc/2024-01-01-00-00-00.gh-issue-40000.aAAAAA.rst",
           "Misc/NEWS.d/next/Library/2024-01-02-00-00-00.gh-issue-40001.bBBBBB.rst",
           "Misc/NEWS.d/next/Library/README.rst", "Misc/NEWS.d/next/Library/.2024-hidden.rst"});
  EXPECT_THAT(next_entries(f.tree()),
              ElementsAre("Misc/NEWS.d/next/Library/2024-01-02-00-00-00.gh-issue-40001.bBBBBB.rst"));
  EXPECT_THAT(stray_next_files(f.tree()),
              ElementsAre("Misc/NEWS.d/next/Misc/2024-01-01-00-00-00.gh-issue-40000.aAAAAA.rst"));
  // make_tag's globs: next/*/0*.rst and next/*/2*.rst, in any directory.
  EXPECT_THAT(unreleased_entries(f.tree()),
              UnorderedElementsAre("Misc/NEWS.d/next/Misc/2024-01-01-00-00-00.gh-issue-40000.aAAAAA.rst",
                                   "Misc/NEWS.d/next/Library/2024-01-02-00-00-00.gh-issue-40001.bBBBBB.rst"));
}

TEST(NewsVersions, SortNewestFirstAsBlurbDoes) {
  // blurb's test_glob_versions, with "next" and files glob leaves out.
  Files f({"Misc/NEWS.d/3.7.0.rst", "Misc/NEWS.d/3.7.0a1.rst", "Misc/NEWS.d/3.7.0a2.rst", "Misc/NEWS.d/3.7.0b1.rst",
           "Misc/NEWS.d/3.7.0b2.rst", "Misc/NEWS.d/3.7.0rc1.rst", "Misc/NEWS.d/3.7.0rc2.rst", "Misc/NEWS.d/3.9.0b1.rst",
           "Misc/NEWS.d/3.12.0a1.rst", "Misc/NEWS.d/next/Library/README.rst", "Misc/NEWS.d/notes.rst",
           "Misc/NEWS.d/3.rst"});
  EXPECT_THAT(versions(f.tree()), ElementsAre("next", "3.12.0a1", "3.9.0b1", "3.7.0", "3.7.0rc2", "3.7.0rc1", "3.7.0b2",
                                              "3.7.0b1", "3.7.0a2", "3.7.0a1"));
}

TEST(NewsVersions, KeyOrdersPreReleasesBeforeTheFinal) {
  const std::vector<std::pair<std::string, std::string>> less = {
      {"2", "3"},           {"3.5.0a1", "3.5.0b1"},   {"3.5.0a1", "3.5.0rc1"},
      {"3.5.0a1", "3.5.0"}, {"3.6.0b1", "3.6.0b2"},   {"3.6.0b1", "3.6.0rc1"},
      {"3.6.0b1", "3.6.0"}, {"3.7.0rc1", "3.7.0rc2"}, {"3.7.0rc1", "3.7.0"},
      {"3.8", "3.8.1"}};
  for (const auto& [a, b] : less) EXPECT_LT(version_key(a), version_key(b)) << a << " < " << b;
  EXPECT_EQ(version_key("3.12.0a1"), "000003.000012.000000.00000a.000001");
}

TEST(NewsVersions, PrintableAsBlurbPrintsThem) {
  EXPECT_EQ(printable_version("next"), "next");
  EXPECT_EQ(printable_version("3.12.0a1"), "3.12.0 alpha 1");
  EXPECT_EQ(printable_version("3.12.0b2"), "3.12.0 beta 2");
  EXPECT_EQ(printable_version("3.12.0rc2"), "3.12.0 release candidate 2");
  EXPECT_EQ(printable_version("3.12.0"), "3.12.0 final");
  EXPECT_EQ(printable_version("3.12.1"), "3.12.1 final");
}

}  // namespace
}  // namespace relman::news
