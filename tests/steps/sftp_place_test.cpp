// sftp.place against a real sshd (tests/support/sshd.h): the staging folder
// and the public folder are folders of the server's root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/sshd.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SftpPlaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "state" / "artifacts");
    fs::create_directories(staging);
    for (const auto& [name, body] : files) {
      test::write_file(dir / "state" / "artifacts" / name, body);
      test::write_file(staging / name, body);
    }
  }
  std::unique_ptr<test::StepHarness> make() {
    auto h = std::make_unique<test::StepHarness>("sftp.place", dir.path(), dir / "state", "3.12.1");
    h->ctx().mode = RunMode::execute;
    h->with() = {{"url", server.url(staging.string() + "/")},
                 {"to", dest.string() + "/"},
                 {"files", {"Python-3.12.1.tgz", "SHA256SUMS"}},
                 {"group", "4242"}};
    return h;
  }
  static unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }
  static unsigned gid_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_gid;
  }
  test::SshServer server;
  test::TempDir dir;
  fs::path staging = server.root() / "home" / "psf-users" / "rm" / "3.12.1" / "downloads";
  fs::path dest = server.root() / "srv" / "www.python.org" / "ftp" / "python" / "3.12.1";
  std::map<std::string, std::string> files = {{"Python-3.12.1.tgz", std::string(300000, 'z')},
                                              {"SHA256SUMS", "sums\n"}};
  test::ScopedEnv key{"RELMAN_SSH_KEY", server.user_key().string()};
  test::ScopedEnv known{"RELMAN_SSH_KNOWN_HOSTS", server.known_hosts().string()};
};

TEST_F(SftpPlaceTest, MovesTheStagedFilesIntoThePublicFolderWithItsGroupAndModesOnce) {
  auto h = make();
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  auto out = h->run();
  for (const auto& [name, body] : files) {
    EXPECT_EQ(test::read_file(dest / name), body) << name;
    EXPECT_FALSE(fs::exists(staging / name)) << name << " was copied, not moved";
    EXPECT_EQ(mode_of(dest / name), 0664u) << name;
    EXPECT_EQ(gid_of(dest / name), 4242u) << name;
  }
  EXPECT_EQ(mode_of(dest), 0775u);
  EXPECT_EQ(gid_of(dest), 4242u);
  EXPECT_EQ(out["paths"][0], (dest / "Python-3.12.1.tgz").string());
  EXPECT_EQ(std::distance(fs::directory_iterator(dest), fs::directory_iterator()), 2);

  auto probe = h->probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
  // A resumed run (the staging folder now empty) finds everything in place.
  const size_t first = h->log().size();
  auto again = make();
  again->run();
  const std::string second = again->log().substr(first);
  EXPECT_THAT(second, HasSubstr("not moving it again"));
  EXPECT_THAT(second, ::testing::Not(HasSubstr("moved ")));
  EXPECT_THAT(second, ::testing::Not(HasSubstr("chmod")));
}

TEST_F(SftpPlaceTest, AnOlderFileInThePublicFolderIsReplacedAndAMissingStagedFileIsNamed) {
  fs::create_directories(dest);
  test::write_file(dest / "SHA256SUMS", "an older release's sums\n");
  fs::remove(staging / "Python-3.12.1.tgz");
  auto h = make();
  try {
    h->run();
    FAIL() << "placed a file that was never staged";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Python-3.12.1.tgz is not in the staging folder"));
    EXPECT_THAT(e.what(), HasSubstr("relman retry"));
  }
  test::write_file(staging / "Python-3.12.1.tgz", files["Python-3.12.1.tgz"]);
  make()->run();
  EXPECT_EQ(test::read_file(dest / "SHA256SUMS"), "sums\n");
  EXPECT_EQ(test::read_file(dest / "Python-3.12.1.tgz"), files["Python-3.12.1.tgz"]);
}

TEST_F(SftpPlaceTest, AStagedFileThatDiffersFromTheArtifactIsRefused) {
  test::write_file(staging / "Python-3.12.1.tgz", "cut short");
  auto h = make();
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("not the artifact's 300000")));
  EXPECT_FALSE(fs::exists(dest / "Python-3.12.1.tgz"));
}

TEST_F(SftpPlaceTest, AWrongHostKeyIsRefusedAndARehearsalOfTheRealServerGoesToTheOutbox) {
  {
    test::ScopedEnv wrong{"RELMAN_SSH_KNOWN_HOSTS", server.wrong_known_hosts().string()};
    auto h = make();
    EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("does NOT match")));
    EXPECT_FALSE(fs::exists(dest));
  }
  auto h = make();
  h->ctx().mode = RunMode::rehearse;
  h->with()["url"] = "sftp://rm@downloads.nyc1.psf.io/home/psf-users/rm/3.12.1/downloads/";
  h->with()["to"] = "/srv/www.python.org/ftp/python/3.12.1/";
  h->run();
  auto msg = json::parse(test::read_file(dir / "state" / "sandbox" / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["to"], "/srv/www.python.org/ftp/python/3.12.1");
  EXPECT_EQ(msg["files"].size(), 2u);
  EXPECT_TRUE(fs::exists(staging / "SHA256SUMS"));
}

}  // namespace
}  // namespace relman
