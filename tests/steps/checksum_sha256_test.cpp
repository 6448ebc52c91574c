// checksum.sha256: SHA256SUMS that `sha256sum -c` accepts, hashes reused from
// the export while the files are untouched, probe against the files.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::read_file;
using test::sh;
using test::sh_ok;
using test::StepHarness;
using test::TempDir;
using test::write_file;

json export_release(const std::filesystem::path& repo, const std::filesystem::path& state) {
  test::make_repo(repo, {{"README.rst", "Python\n"}, {"Lib/os.py", "import sys\n"}});
  sh_ok("git tag v3.12.0", repo);
  StepHarness h("archive.export", repo, state);
  h.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}, {"xz_threads", 1}};
  return h.run();
}

TEST(ChecksumSha256, WritesSha256SumsThatSha256sumAccepts) {
  TempDir t;
  json exported = export_release(t / "repo", t / "state");
  auto art = t / "state" / "artifacts";
  write_file(art / "notes.txt", "release notes\n");

  StepHarness h("checksum.sha256", t / "repo", t / "state");
  h.with() = {{"files", json::array({exported["files"][1], exported["files"][0], "notes.txt"})}};
  json out = h.run();

  EXPECT_EQ(out["file"], (art / "SHA256SUMS").string());
  std::string sums = read_file(art / "SHA256SUMS");
  // sorted by name, two spaces, base names
  EXPECT_EQ(sums, sh_ok("sha256sum Python-3.12.0.tar.xz Python-3.12.0.tgz notes.txt", art));
  EXPECT_EQ(sh("sha256sum -c SHA256SUMS", art).exit_code, 0);
  EXPECT_EQ(out["sha256"]["Python-3.12.0.tgz"], exported["sha256"]["Python-3.12.0.tgz"]);
  EXPECT_EQ(out["sha256"].size(), 3u);
  // The tarballs' hashes came from the export; only notes.txt was read.
  EXPECT_THAT(h.log(), HasSubstr("2 hashes reused from the export, 1 read back")) << h.log();

  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

TEST(ChecksumSha256, ReadsBackAFileChangedSinceTheExport) {
  TempDir t;
  json exported = export_release(t / "repo", t / "state");
  auto art = t / "state" / "artifacts";
  StepHarness h("checksum.sha256", t / "repo", t / "state");
  h.with() = {{"files", exported["files"]}, {"output", "SUMS"}};
  h.run();
  ASSERT_EQ(h.probe().result, ProbeResult::done);

  // Tampering with a tarball: the recorded hash no longer applies, and the
  // checksum file no longer matches the files.
  sh_ok("printf x >> Python-3.12.0.tgz", art);
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_THAT(p.detail, HasSubstr("does not match")) << p.detail;
  json out = h.run();
  EXPECT_NE(out["sha256"]["Python-3.12.0.tgz"], exported["sha256"]["Python-3.12.0.tgz"]);
  EXPECT_EQ(sh("sha256sum -c SUMS", art).exit_code, 0);
  EXPECT_THAT(h.log(), HasSubstr("1 hashes reused from the export, 1 read back")) << h.log();
}

TEST(ChecksumSha256, MissingFileSaysWhichAndLeavesNoSums) {
  TempDir t;
  test::make_repo(t / "repo", {{"a", "a\n"}});
  StepHarness h("checksum.sha256", t / "repo", t / "state");
  h.with() = {{"files", json::array({"Python-3.12.0.tgz"})}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("Python-3.12.0.tgz does not exist")));
  EXPECT_FALSE(std::filesystem::exists(t / "state/artifacts/SHA256SUMS"));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

}  // namespace
}  // namespace relman
