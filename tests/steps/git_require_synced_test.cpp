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

TEST(GitRequireSynced, PassesWhenEqualAndSaysHowToCatchUpOtherwise) {
  FetchRepo r;
  StepHarness h("git.require_synced", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"remote", "upstream"}, {"branch", "3.12"}};
  EXPECT_EQ(h.run()["commit"], r.git("rev-parse 3.12").substr(0, 40));

  // Behind: a backport landed upstream.
  r.backport();
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("is behind upstream/3.12")) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("git merge --ff-only upstream/3.12")) << e.what();
  }
  r.git("merge -q --ff-only upstream/3.12");
  EXPECT_NO_THROW(h.run());

  // Ahead: a local commit upstream lacks.
  r.git("-c user.name=L -c user.email=l@example.org commit -q --allow-empty -m local");
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("has commits upstream/3.12")) << e.what();
  }
  // Diverged.
  r.backport();
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("have diverged")) << e.what();
  }
}

}  // namespace
}  // namespace relman::test
