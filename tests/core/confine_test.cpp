// Where steps may write: load-time refusals of absolute and '..' paths, and
// the run-time check that follows symbolic links.
#include "core/confine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;

TEST(Confine, LoadTimeProblems) {
  EXPECT_EQ(path_problem("SHA256SUMS"), "");
  EXPECT_EQ(path_problem("sub/dir/SUMS"), "");
  EXPECT_EQ(path_problem("a..b"), "") << "'..' inside a name is a name";
  EXPECT_EQ(path_problem("${vars.out}/../x"), "") << "templates are checked at run time";
  EXPECT_EQ(path_problem("/etc/passwd"), "is an absolute path");
  EXPECT_EQ(path_problem("../../../X"), "leaves its directory with '..'");
  EXPECT_EQ(path_problem("a/../../X"), "leaves its directory with '..'");
  EXPECT_EQ(path_problem(""), "is empty");

  std::vector<std::string> problems;
  check_confined_param(json{{"files", {"a.tgz", "../../../bait.txt", "/tmp/x"}}}, "files", "artifacts/", problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("'files': \"../../../bait.txt\" leaves its directory")) << problems[0];
  EXPECT_THAT(problems[1], HasSubstr("inside artifacts/")) << problems[1];
}

class ConfineRun : public ::testing::Test {
 protected:
  ConfineRun() {
    fs::create_directories(dir / "artifacts" / "sub");
    fs::create_directories(dir / "outside");
    ctx.step_id = "sums";
  }
  fs::path base() const { return dir / "artifacts"; }
  test::TempDir dir;
  StepContext ctx;
};

TEST_F(ConfineRun, InsideIsAllowedRelativeOrAbsolute) {
  EXPECT_EQ(confine_path(ctx, base(), "SHA256SUMS", "artifacts/"), base() / "SHA256SUMS");
  EXPECT_EQ(confine_path(ctx, base(), "sub/../x", "artifacts/"), base() / "x");
  EXPECT_EQ(confine_path(ctx, base(), (base() / "sub" / "f").string(), "artifacts/"), base() / "sub" / "f");
}

TEST_F(ConfineRun, DotDotAndOutsideAbsolutePathsAreRefused) {
  for (const std::string& p :
       std::vector<std::string>{"../X", "sub/../../X", (dir / "outside" / "X").string(), "/etc/X", "..", ""}) {
    EXPECT_THAT([&] { confine_path(ctx, base(), p, "artifacts/"); },
                ThrowsMessage<StepError>(AllOf(StartsWith("'" + p + "'"), HasSubstr("only inside artifacts/"))));
  }
}

TEST_F(ConfineRun, ASymbolicLinkLeadingOutIsRefused) {
  fs::create_directory_symlink(dir / "outside", base() / "link");
  fs::create_symlink(dir / "outside" / "target", base() / "leaf");
  fs::create_directory_symlink(base() / "sub", base() / "inner");
  for (const std::string p : {"link/SUMS", "link", "leaf"}) {
    EXPECT_THAT([&] { confine_path(ctx, base(), p, "artifacts/"); },
                ThrowsMessage<StepError>(HasSubstr("symbolic link")));
  }
  // A link that stays inside is fine.
  EXPECT_EQ(confine_path(ctx, base(), "inner/SUMS", "artifacts/"), base() / "inner" / "SUMS");
}

// The base itself may live under a link (/tmp -> /private/tmp on some systems).
TEST_F(ConfineRun, ABaseReachedThroughALinkStillWorks) {
  fs::create_directory_symlink(base(), dir / "art-link");
  EXPECT_EQ(confine_path(ctx, dir / "art-link", "SUMS", "artifacts/"), dir / "art-link" / "SUMS");
}

}  // namespace
}  // namespace relman
