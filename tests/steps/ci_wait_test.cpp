#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;
using test::sha256_hex;

json artifacts() {
  std::string exe = "MZ windows installer bytes";
  std::string pkg = "xar mac installer bytes";
  std::string sums =
      sha256_hex(exe) + "  windows/python-3.12.1-amd64.exe\n" + sha256_hex(pkg) + "  macos/python-3.12.1-macos11.pkg\n";
  return {{"windows", {{"python-3.12.1-amd64.exe", exe}}},
          {"macos", {{"python-3.12.1-macos11.pkg", pkg}}},
          {"SHA256SUMS", {{"SHA256SUMS", sums}}}};
}

class CiWaitTest : public ::testing::Test {
 protected:
  void SetUp() override { test::fast_http_retries(); }
  test::TempDir dir;

  // Dispatches through the fake (as ci.dispatch would) and returns the run id.
  std::string start_run(FakeServer& s, const json& wf) {
    s.configure({{"workflows", {{"build.yml", wf}}}});
    test::StepHarness d("ci.dispatch", dir.path(), dir / "dispatch-state");
    d.ctx().mode = RunMode::execute;
    d.with() = {{"api", s.url()}, {"repo", "o/r"}, {"workflow", "build.yml"}, {"ref", "main"}};
    test::ScopedEnv token("GITHUB_TOKEN", "ghp_wait_test_token");
    return d.run()["run_id"].get<std::string>();
  }
  std::unique_ptr<test::StepHarness> waiter(const FakeServer& s, const std::string& run) {
    auto h = std::make_unique<test::StepHarness>("ci.wait", dir.path(), dir / "state");
    h->ctx().step_id = "installers";
    h->with() = {{"api", s.url()}, {"repo", "o/r"}, {"run", run}, {"poll", 0}, {"timeout", 30}};
    return h;
  }
};

TEST_F(CiWaitTest, WaitsDownloadsAndChecksArtifacts) {
  FakeServer server;
  auto run = start_run(server, {{"polls", 3}, {"artifacts", artifacts()}});
  auto hp = waiter(server, run);
  auto& h = *hp;
  std::vector<std::string> lines;
  h.ctx().progress = [&](const std::string& l) { lines.push_back(l); };
  auto out = h.run();
  EXPECT_EQ(h.kind().effect(), Effect::local);
  EXPECT_EQ(out["conclusion"], "success");
  auto root = dir / "state" / "artifacts" / "installers";
  EXPECT_EQ(out["dir"], root.string());
  EXPECT_EQ(test::read_file(root / "windows" / "python-3.12.1-amd64.exe"), "MZ windows installer bytes");
  EXPECT_EQ(out["files"].size(), 3u);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], HasSubstr("in_progress")) << lines[0];
  auto probe = h.probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
  EXPECT_EQ(probe.outputs["files"], out["files"]);
  // A download damaged afterwards is not "done".
  test::write_file(root / "macos" / "python-3.12.1-macos11.pkg", "tampered");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST_F(CiWaitTest, FailedRunNamesTheFailedJobs) {
  FakeServer server;
  auto run = start_run(server, {{"conclusion", "failure"},
                                {"jobs",
                                 {{{"name", "build-windows"}, {"conclusion", "failure"}},
                                  {{"name", "build-macos"}, {"conclusion", "success"}},
                                  {{"name", "docs"}, {"conclusion", "cancelled"}}}}});
  auto hp = waiter(server, run);
  EXPECT_THAT([&] { hp->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("finished with 'failure'"), HasSubstr("build-windows (failure)"),
                                             HasSubstr("docs (cancelled)"), Not(HasSubstr("build-macos")),
                                             HasSubstr("relman resume"))));
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "artifacts" / "installers"));
}

TEST_F(CiWaitTest, WrongChecksumIsRefusedAndNothingLandsInArtifacts) {
  FakeServer server;
  auto arts = artifacts();
  arts["windows"]["python-3.12.1-amd64.exe"] = "corrupted on the runner";
  auto run = start_run(server, {{"artifacts", arts}});
  auto hp = waiter(server, run);
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("windows/python-3.12.1-amd64.exe has sha256")));
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "artifacts" / "installers"));
  EXPECT_EQ(hp->probe().result, ProbeResult::not_done);
}

TEST_F(CiWaitTest, AnArtifactEntryClimbingOutIsRefusedAndWritesNothingOutside) {
  FakeServer server;
  auto arts = artifacts();
  arts["windows"]["../../escaped.txt"] = "written by a hostile zip";
  auto run = start_run(server, {{"artifacts", arts}});
  auto hp = waiter(server, run);
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("unsafe path '../../escaped.txt'")));
  EXPECT_FALSE(std::filesystem::exists(hp->ctx().work_dir / "escaped.txt"));
  EXPECT_FALSE(std::filesystem::exists(hp->ctx().work_dir.parent_path() / "escaped.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "artifacts" / "installers"));
}

TEST_F(CiWaitTest, ChecksumsNamingAFileOutsideOrTwiceAreRefused) {
  FakeServer server;
  auto arts = artifacts();
  const std::string exe = arts["windows"]["python-3.12.1-amd64.exe"].get<std::string>();
  arts["SHA256SUMS"]["SHA256SUMS"] = arts["SHA256SUMS"]["SHA256SUMS"].get<std::string>() + sha256_hex("x") +
                                     "  ../../outside\n" + sha256_hex(exe) + "  windows/python-3.12.1-amd64.exe\n";
  auto run = start_run(server, {{"artifacts", arts}});
  auto hp = waiter(server, run);
  EXPECT_THAT([&] { hp->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("is not a checksum list relman can trust"),
                                             HasSubstr("line 3: the name '../../outside' is outside the folder"),
                                             HasSubstr("line 4: 'windows/python-3.12.1-amd64.exe' is listed again"))));
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "artifacts" / "installers"));
}

TEST_F(CiWaitTest, NoChecksumsIsAnError) {
  FakeServer server;
  auto arts = artifacts();
  arts.erase("SHA256SUMS");
  auto run = start_run(server, {{"artifacts", arts}});
  auto hp = waiter(server, run);
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("published no checksums")));
}

TEST_F(CiWaitTest, TimesOutWhileRunning) {
  FakeServer server;
  auto run = start_run(server, {{"polls", 1000}});
  auto hp = waiter(server, run);
  hp->with()["timeout"] = 1;
  hp->with()["poll"] = 1;
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("still in_progress")));
}

TEST_F(CiWaitTest, ArtifactDownloadFailureThenResumeSucceeds) {
  FakeServer server;
  auto run = start_run(server, {{"artifacts", artifacts()}});
  server.configure({{"faults", {{{"path", "/zip/"}, {"status", 500}, {"times", -1}}}}});
  auto hp = waiter(server, run);
  EXPECT_THROW(hp->run(), StepError);
  server.configure({{"faults", json::array()}});
  auto out = hp->run();
  EXPECT_EQ(out["files"].size(), 3u);
}

TEST_F(CiWaitTest, RehearsalOutboxRunIsNotWaitedFor) {
  test::StepHarness h("ci.wait", dir.path(), dir / "state");
  h.ctx().mode = RunMode::rehearse;
  h.with() = {{"repo", "o/r"}, {"run", "rehearsal:dispatch-1.json"}};
  auto out = h.run();
  EXPECT_EQ(out["conclusion"], "not-waited-in-rehearsal");
  EXPECT_THAT(h.log(), HasSubstr("nothing to wait for"));
  h.ctx().mode = RunMode::execute;
  EXPECT_THROW(h.run(), StepError);
}

}  // namespace
}  // namespace relman
