#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "support/matchers.h"

namespace relman::test {
namespace {

// A clone "r" of a bare "upstream.git" on branch 3.12, and a second clone
// "other" that pushes a backport to upstream meanwhile.
struct FetchRepo {
  TempDir dir;
  std::filesystem::path upstream = dir / "upstream.git";
  std::filesystem::path repo = dir / "r";
  FetchRepo() {
    make_repo(dir / "seed", {{"a.txt", "a\n"}});
    sh_ok("git -C seed branch 3.12 && git clone -q --bare seed upstream.git && "
          "git clone -q -o upstream -b 3.12 upstream.git r && git clone -q -b 3.12 upstream.git other",
          dir.path());
  }
  std::string backport() {
    sh_ok("git -c user.name=B -c user.email=b@example.org commit -q --allow-empty -m 'gh-1: a backport' && "
          "git push -q origin 3.12",
          dir / "other");
    return sh_ok("git rev-parse HEAD", dir / "other").substr(0, 40);
  }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
};

TEST(GitDeleteBranch, DeletesOnceAndRefusesTheCheckedOutBranch) {
  FetchRepo r;
  r.git("branch branch-3.12.0");
  const std::string at = r.git("rev-parse branch-3.12.0").substr(0, 40);
  StepHarness h("git.delete_branch", r.repo, r.dir / "state");
  h.with()["name"] = "branch-3.12.0";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  EXPECT_EQ(h.run()["commit"], at);
  EXPECT_NE(sh("git rev-parse -q --verify refs/heads/branch-3.12.0", r.repo).exit_code, 0);
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  EXPECT_NO_THROW(h.run()) << "already gone is done";

  h.with()["name"] = "3.12";
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("'3.12' is checked out")) << e.what();
  }
  EXPECT_EQ(sh("git rev-parse -q --verify refs/heads/3.12", r.repo).exit_code, 0);
}

}  // namespace
}  // namespace relman::test
