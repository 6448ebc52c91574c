#include <gtest/gtest.h>
#include "test_paths.h"

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

const std::filesystem::path fixtures = std::filesystem::path(RELMAN_TEST_DIR) / "fixtures" / "cpython";
const std::string kDirectives = "Doc/library/directives.rst";

// A repository with release-tools' update_version_next test text as a tracked
// Doc/ file, and an untracked Doc/build/ beside it.
struct DocsRepo {
  TempDir dir;
  std::filesystem::path repo = dir / "cpython";
  DocsRepo() {
    make_repo(repo, {{kDirectives, read_file(fixtures / "docs" / kDirectives)},
                     {"Doc/library/plain.rst", "nothing to see here\n"},
                     {"Doc/library/keep.txt", ".. versionadded:: next\n"}});
    write_file(repo / "Doc/build/leftover.rst", ".. versionadded:: next\n");
  }
};

TEST(CpythonDocsNext, MatchesUpdateVersionNextByteForByte) {
  DocsRepo r;
  StepHarness h("cpython.docs_next", r.repo, r.dir / "state", "3.14.0rc1");
  json out = h.run();
  EXPECT_EQ(read_file(r.repo / kDirectives), read_file(fixtures / "expected/directives.rst.3.14"));
  EXPECT_EQ(out["files"], json({kDirectives}));
  EXPECT_EQ(out["changes"], 9);
  EXPECT_EQ(read_file(r.repo / "Doc/library/keep.txt"), ".. versionadded:: next\n") << "only .rst files";
  EXPECT_EQ(read_file(r.repo / "Doc/build/leftover.rst"), ".. versionadded:: next\n") << "only tracked files";
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

TEST(CpythonDocsNext, AMicroReleaseWritesXYZ) {
  DocsRepo r;
  StepHarness h("cpython.docs_next", r.repo, r.dir / "state", "3.13.3");
  h.run();
  EXPECT_THAT(read_file(r.repo / kDirectives), HasSubstr(".. versionadded:: 3.13.3\n"));
  EXPECT_THAT(read_file(r.repo / kDirectives), HasSubstr(".. deprecated-removed:: 3.13.3 4.0\n"));
}

TEST(CpythonDocsNext, ProbeIsNotDoneWhileADirectiveIsLeft) {
  DocsRepo r;
  StepHarness h("cpython.docs_next", r.repo, r.dir / "state", "3.14.0");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(CpythonDocsNext, ARetryAfterACrashStillNamesTheFilesForTheCommit) {
  DocsRepo r;
  StepHarness h("cpython.docs_next", r.repo, r.dir / "state", "3.14.0");
  json first = h.run();
  json again = h.run();  // nothing left to replace
  EXPECT_EQ(again["files"], first["files"]);
}

}  // namespace
}  // namespace relman::test
