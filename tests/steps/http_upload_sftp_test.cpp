// http.upload over sftp:// against a real sshd (tests/support/sshd.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <iterator>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/sshd.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class HttpUploadSftpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "state" / "artifacts");
    tgz = std::string(4 << 20, 'a');
    for (size_t i = 0; i < tgz.size(); i += 7) tgz[i] = static_cast<char>(i % 251);
    test::write_file(dir / "state" / "artifacts" / "Python-3.12.1.tgz", tgz);
    test::write_file(dir / "state" / "artifacts" / "SHA256SUMS", "sums\n");
  }
  std::unique_ptr<test::StepHarness> make() {
    auto h = std::make_unique<test::StepHarness>("http.upload", dir.path(), dir / "state");
    h->ctx().mode = RunMode::execute;
    h->with() = {
        {"url", server.url(dest.string() + "/")}, {"files", {"Python-3.12.1.tgz", "SHA256SUMS"}}, {"group", "4242"}};
    return h;
  }
  unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }
  test::SshServer server;
  test::TempDir dir;
  fs::path dest = server.root() / "ftp" / "python" / "3.12.1";
  std::string tgz;
  test::ScopedEnv key{"RELMAN_SSH_KEY", server.user_key().string()};
  test::ScopedEnv known{"RELMAN_SSH_KNOWN_HOSTS", server.known_hosts().string()};
};

TEST_F(HttpUploadSftpTest, UploadsSetsModesAndGroupThenASecondRunSendsNothing) {
  auto h = make();
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  auto out = h->run();
  EXPECT_EQ(test::read_file(dest / "Python-3.12.1.tgz"), tgz);
  EXPECT_EQ(test::read_file(dest / "SHA256SUMS"), "sums\n");
  EXPECT_EQ(out["sha256"][0], test::sha256_hex(tgz));
  EXPECT_EQ(mode_of(dest / "Python-3.12.1.tgz"), 0664u);
  EXPECT_EQ(mode_of(dest), 0775u);
  struct stat st {};
  ::stat((dest / "SHA256SUMS").c_str(), &st);
  EXPECT_EQ(st.st_gid, 4242u);
  ::stat(dest.c_str(), &st);
  EXPECT_EQ(st.st_gid, 4242u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dest), fs::directory_iterator()), 2);  // no temporary file left

  auto probe = h->probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
  auto before = fs::last_write_time(dest / "Python-3.12.1.tgz");
  const size_t first_log = h->log().size();  // both runs write the same step log
  auto again = std::make_unique<test::StepHarness>("http.upload", dir.path(), dir / "state");
  again->ctx().mode = RunMode::execute;
  again->with() = h->with();
  again->run();
  EXPECT_EQ(fs::last_write_time(dest / "Python-3.12.1.tgz"), before);
  const std::string second = again->log().substr(first_log);
  EXPECT_THAT(second, HasSubstr("not uploading again"));
  EXPECT_THAT(second, ::testing::Not(HasSubstr("SFTP ")));
  EXPECT_THAT(second, ::testing::Not(HasSubstr("chmod")));  // modes already right: nothing changed
}

TEST_F(HttpUploadSftpTest, AConnectionCutMidFileLeavesNoPartialFileUnderTheFinalNameAndResumeCompletes) {
  auto h = make();
  bool cut = false;
  h->ctx().progress = [&](const std::string& line) {
    if (!cut && line.starts_with("Python-3.12.1.tgz") && line.find(" 0%") == std::string::npos) {
      server.cut_sessions();
      cut = true;
    }
  };
  EXPECT_THROW(h->run(), StepError);
  ASSERT_TRUE(cut);
  EXPECT_FALSE(fs::exists(dest / "Python-3.12.1.tgz"));
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);

  auto resumed = std::make_unique<test::StepHarness>("http.upload", dir.path(), dir / "state");
  resumed->ctx().mode = RunMode::execute;
  resumed->with() = h->with();
  resumed->run();
  EXPECT_EQ(test::read_file(dest / "Python-3.12.1.tgz"), tgz);
  EXPECT_FALSE(fs::exists(dest / ".Python-3.12.1.tgz.relman-part"));
  EXPECT_EQ(resumed->probe().result, ProbeResult::done);
}

TEST_F(HttpUploadSftpTest, AWrongHostKeyIsRefusedWithAClearMessage) {
  test::ScopedEnv wrong{"RELMAN_SSH_KNOWN_HOSTS", server.wrong_known_hosts().string()};
  auto h = make();
  try {
    h->run();
    FAIL() << "uploaded to a server with the wrong host key";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does NOT match"));
  }
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_EQ(h->probe().result, ProbeResult::unknown);
}

TEST_F(HttpUploadSftpTest, AMissingUserKeyIsRefusedWithAClearMessage) {
  auto h = make();
  h->with()["key"] = (dir / "id_missing").string();
  try {
    h->run();
    FAIL() << "logged in without the key";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("id_missing does not exist"));
  }
  EXPECT_FALSE(fs::exists(dest));
}

TEST_F(HttpUploadSftpTest, AModeThatIsNotOctalIsRefused) {
  auto h = make();
  h->with()["file_mode"] = "rw-r--r--";
  EXPECT_THROW(h->run(), StepError);
}

}  // namespace
}  // namespace relman
