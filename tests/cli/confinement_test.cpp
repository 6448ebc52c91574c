// Through the real binary: a workflow cannot make a step write outside its
// place. Literal paths are refused when the workflow loads (exit 2 with
// file:line); paths known only at run time fail the step (exit 1) before
// anything is written; a symbolic link planted in artifacts/ leads nowhere.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/matchers.h"
#include "support/names.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

class Confinement : public ::testing::Test {
 protected:
  Confinement() {
    relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
    fs::create_directories(dir / "state");
  }
  Ran plan(const std::string& workflow) {
    write_file(dir / "wf.yaml", workflow);
    return relman::test::relman({"plan", "3.12.0", "--workflow", (dir / "wf.yaml").string()}, dir / "repo");
  }
  Ran rehearse(const std::string& workflow) {
    write_file(dir / "wf.yaml", workflow);
    return relman::test::relman({"rehearse", "3.12.0", "--workflow", (dir / "wf.yaml").string(), "--state-dir",
                                 (dir / "state").string(), "--sign-with", "unused", "--auto-approve"},
                                dir / "repo");
  }
  TempDir dir;
};

// A release file in artifacts/ for the checksum and signing steps.
const char* kMake = R"(  - id: make
    uses: exec
    with: {argv: [sh, -c, "echo release > ${run.artifacts}/a.tgz"]}
)";

}  // namespace

TEST_F(Confinement, ALiteralPathOutsideIsRefusedAtLoadWithItsLine) {
  struct Case {
    std::string step;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"    uses: checksum.sha256\n    with: {files: [a.tgz], output: ../../../X}\n",
       "'output': \"../../../X\" leaves its directory with '..'"},
      {"    uses: checksum.sha256\n    with: {files: [a.tgz], output: /tmp/relman-X}\n",
       "'output': \"/tmp/relman-X\" is an absolute path"},
      {"    uses: gpg.sign\n    with: {files: [a.tgz, ../../../bait.txt]}\n",
       "'files': \"../../../bait.txt\" leaves its directory with '..'"},
      {"    uses: gpg.sign\n    with: {files: /etc/hostname}\n", "'files': \"/etc/hostname\" is an absolute path"},
      {"    uses: build.make\n    with: {tarball: a.tgz, ccache_dir: ../../cache}\n",
       "'ccache_dir': \"../../cache\" leaves its directory"},
  };
  for (const auto& c : cases) {
    Ran r = plan("name: outside\nsteps:\n  - id: out\n" + c.step);
    EXPECT_EQ(r.exit_code, 2) << c.step << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr((dir / "wf.yaml").string() + ":5:")) << "file:line of `with`: " << r.err;
    EXPECT_THAT(r.err, HasSubstr("step 'out': " + c.expect)) << r.err;
  }
  EXPECT_FALSE(fs::exists("/tmp/relman-X"));
}

TEST_F(Confinement, APathKnownOnlyAtRunTimeFailsTheStepBeforeWriting) {
  Ran r = rehearse(std::string("name: outside\nvars: {out: ../../../X}\nsteps:\n") + kMake +
                   "  - id: sums\n    uses: checksum.sha256\n    with: {files: [a.tgz], output: \"${vars.out}\"}\n");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAILED sums: '../../../X' leaves it with '..'; a step writes only inside artifacts/"))
      << r.out;
  EXPECT_FALSE(fs::exists(dir / "X"));
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "X"));
}

TEST_F(Confinement, SigningAFileOutsideArtifactsIsRefusedAtRunTime) {
  write_file(dir / "bait.txt", "bait\n");
  Ran r = rehearse(std::string("name: outside\nvars: {bait: ") + (dir / "bait.txt").string() + "}\nsteps:\n" + kMake +
                   "  - id: sign\n    uses: gpg.sign\n    with: {files: [a.tgz, \"${vars.bait}\"]}\n");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("is outside it; a step writes only inside artifacts/")) << r.out;
  EXPECT_FALSE(fs::exists(dir / "bait.txt.asc"));
}

TEST_F(Confinement, ASymbolicLinkInArtifactsLeadsNowhere) {
  fs::create_directories(dir / "state" / "artifacts");
  fs::create_directories(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "state" / "artifacts" / "out");
  Ran r = rehearse(std::string("name: outside\nsteps:\n") + kMake +
                   "  - id: sums\n    uses: checksum.sha256\n    with: {files: [a.tgz], output: out/SHA256SUMS}\n");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("through a symbolic link")) << r.out;
  EXPECT_TRUE(fs::is_empty(dir / "elsewhere"));
}
