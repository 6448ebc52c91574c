#include <gtest/gtest.h>
#include "test_paths.h"

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

const std::filesystem::path magicdata = std::filesystem::path(RELMAN_TEST_DIR) / "fixtures" / "cpython" / "magicdata";
const std::string kActual = "Include/internal/pycore_magic_number.h";
const std::string kExpected = "Lib/test/test_importlib/test_util.py";

// release-tools' tests/magicdata: 3603 against an expected 3495.
struct MagicTree {
  TempDir dir;
  std::filesystem::path repo = dir / "cpython";
  MagicTree() {
    make_repo(repo, {{kActual, read_file(magicdata / kActual)}, {kExpected, read_file(magicdata / kExpected)}});
  }
};

TEST(CpythonCheckMagic, AMismatchFailsAReleaseCandidate) {
  MagicTree t;
  StepHarness h("cpython.check_magic", t.repo, t.dir / "state", "3.14.0rc1");
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("(3603)"), HasSubstr("(3495)"))));
}

TEST(CpythonCheckMagic, AMismatchFailsAFinal) {
  MagicTree t;
  StepHarness h("cpython.check_magic", t.repo, t.dir / "state", "3.15.2");
  EXPECT_THROW(h.run(), StepError);
}

TEST(CpythonCheckMagic, AMismatchOnlyWarnsBeforeTheReleaseCandidates) {
  MagicTree t;
  StepHarness h("cpython.check_magic", t.repo, t.dir / "state", "3.14.0b3");
  json out = h.run();
  EXPECT_EQ(out["actual"], "3603");
  EXPECT_EQ(out["expected"], "3495");
  EXPECT_THAT(h.log(), HasSubstr("warning"));
}

TEST(CpythonCheckMagic, MatchingNumbersPass) {
  MagicTree t;
  write_file(t.repo / kExpected,
             "class Test:\n\n    def test_magic_number(self):\n        EXPECTED_MAGIC_NUMBER = 3603\n");
  StepHarness h("cpython.check_magic", t.repo, t.dir / "state", "3.14.0");
  json out = h.run();
  EXPECT_EQ(out["checked"], true);
  EXPECT_EQ(out["actual"], "3603");
}

TEST(CpythonCheckMagic, BeforeThreeFourteenItIsSkipped) {
  MagicTree t;
  StepHarness h("cpython.check_magic", t.repo, t.dir / "state", "3.13.5");
  EXPECT_EQ(h.run()["checked"], false);
}

TEST(CpythonCheckMagic, ATreeWithoutTheFilesIsSkippedWithANote) {
  TempDir dir;
  make_repo(dir / "r", {{"README", "x\n"}});
  StepHarness h("cpython.check_magic", dir / "r", dir / "state", "3.14.0");
  EXPECT_EQ(h.run()["checked"], false);
  EXPECT_THAT(h.log(), HasSubstr("skipped"));
}

}  // namespace
}  // namespace relman::test
