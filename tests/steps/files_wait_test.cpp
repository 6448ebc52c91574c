#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/sshd.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;

const std::vector<std::string> kExpected = {"Python-3.12.1.tgz", "python-3.12.1.exe", "python-3.12.1-macos11.pkg"};

class FilesWaitTest : public ::testing::Test {
 protected:
  std::unique_ptr<test::StepHarness> make(const std::string& url, RunMode mode = RunMode::execute) {
    auto h = std::make_unique<test::StepHarness>("files.wait", dir.path(), dir / "state");
    h->ctx().mode = mode;
    h->with() = {{"url", url}, {"files", kExpected}, {"interval", 1}, {"timeout", 60}};
    return h;
  }
  // The experts' files arrive a little later, one by one.
  std::thread drop_later(const fs::path& folder) {
    return std::thread([folder] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
      fs::create_directories(folder);
      for (const auto& f : kExpected) {
        test::write_file(folder / f, "x");
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
    });
  }
  test::TempDir dir;
};

TEST_F(FilesWaitTest, WaitsForFilesDroppedIntoALocalFolderAndSaysWhatIsMissing) {
  const fs::path folder = dir / "ftp" / "3.12.1";
  auto h = make(folder.string());
  std::vector<std::string> progress;
  h->ctx().progress = [&](const std::string& line) { progress.push_back(line); };
  auto dropper = drop_later(folder);
  auto started = std::chrono::steady_clock::now();
  auto out = h->run();
  dropper.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1200));
  EXPECT_EQ(out["files"], json(kExpected));
  EXPECT_THAT(h->log(), HasSubstr("waiting for 3 of 3 files"));
  EXPECT_THAT(h->log(), HasSubstr("all 3 files are in"));
  ASSERT_FALSE(progress.empty());
  EXPECT_THAT(progress.front(), HasSubstr("python-3.12.1-macos11.pkg"));
}

TEST_F(FilesWaitTest, WaitsOverSftpForFilesATestDropsInLater) {
  test::SshServer server;
  test::ScopedEnv key{"RELMAN_SSH_KEY", server.user_key().string()};
  test::ScopedEnv known{"RELMAN_SSH_KNOWN_HOSTS", server.known_hosts().string()};
  const fs::path folder = server.root() / "ftp" / "python" / "3.12.1";
  auto h = make(server.url(folder.string() + "/"));
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  auto dropper = drop_later(folder);
  auto out = h->run();
  dropper.join();
  EXPECT_EQ(out["files"], json(kExpected));
  EXPECT_THAT(h->log(), HasSubstr("waiting for 3 of 3 files"));
  EXPECT_THAT(h->log(), HasSubstr("all 3 files are in"));
  // Read-only: after a crash the probe lists the folder again.
  auto probe = h->probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
}

TEST_F(FilesWaitTest, TimesOutNamingTheMissingFiles) {
  const fs::path folder = dir / "ftp";
  fs::create_directories(folder);
  test::write_file(folder / "Python-3.12.1.tgz", "x");
  auto h = make(folder.string());
  h->with()["timeout"] = 2;
  try {
    h->run();
    FAIL() << "did not time out";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("python-3.12.1.exe, python-3.12.1-macos11.pkg"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("Python-3.12.1.tgz")));
  }
  auto probe = h->probe();
  EXPECT_EQ(probe.result, ProbeResult::not_done);
  EXPECT_THAT(probe.detail, HasSubstr("python-3.12.1.exe"));
}

TEST_F(FilesWaitTest, AWrongHostKeyFailsAtOnceInsteadOfWaiting) {
  test::SshServer server;
  test::ScopedEnv key{"RELMAN_SSH_KEY", server.user_key().string()};
  test::ScopedEnv known{"RELMAN_SSH_KNOWN_HOSTS", server.wrong_known_hosts().string()};
  auto h = make(server.url(server.root().string() + "/"));
  EXPECT_THAT([&] { h->run(); }, ::testing::ThrowsMessage<StepError>(HasSubstr("does NOT match")));
  EXPECT_EQ(h->probe().result, ProbeResult::unknown);
}

TEST_F(FilesWaitTest, ARehearsalAgainstARealServerLooksOnceAndGoesOn) {
  auto h = make("sftp://rm@downloads.nyc1.psf.io/srv/www.python.org/ftp/python/3.12.1/", RunMode::rehearse);
  h->with()["timeout"] = 3600;
  auto started = std::chrono::steady_clock::now();
  auto out = h->run();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(out["files"], json(kExpected));
  EXPECT_THAT(h->log(), HasSubstr("rehearsal: would wait for"));
}

}  // namespace
}  // namespace relman
