// sftp.unpack against a real sshd (tests/support/sshd.h): a docs archive
// made with Python's zipfile, unpacked into a folder of the server's root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/shell.h"
#include "support/sshd.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SftpUnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "state" / "artifacts");
    test::sh_ok(
        "python3 -c 'import zipfile,sys\n"
        "z = zipfile.ZipFile(sys.argv[1], \"w\")\n"
        "t = \"python-3.12.0-docs-html/\"\n"
        "z.writestr(t + \"index.html\", \"<h1>Python 3.12.0</h1>\")\n"
        "z.writestr(t + \"library/os.html\", \"os\" * 50000)\n"
        "z.writestr(t + \"_static/pydoctheme.css\", \"body {}\")\n"
        "z.close()' " +
        test::quote((dir / "state" / "artifacts" / "python-3.12.0-docs-html.zip").string()));
  }
  std::unique_ptr<test::StepHarness> make() {
    auto h = std::make_unique<test::StepHarness>("sftp.unpack", dir.path(), dir / "state", "3.12.0");
    h->ctx().mode = RunMode::execute;
    h->with() = {
        {"url", server.url(dest.string() + "/")}, {"archive", "python-3.12.0-docs-html.zip"}, {"group", "4242"}};
    return h;
  }
  static struct stat stat_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st;
  }
  test::SshServer server;
  test::TempDir dir;
  fs::path dest = server.root() / "srv" / "docs.python.org" / "release" / "3.12.0";
  test::ScopedEnv key{"RELMAN_SSH_KEY", server.user_key().string()};
  test::ScopedEnv known{"RELMAN_SSH_KNOWN_HOSTS", server.known_hosts().string()};
};

TEST_F(SftpUnpackTest, UnpacksTheDocsWithoutTheirTopFolderWithGroupAndModesThenSendsNothingTwice) {
  auto h = make();
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  auto out = h->run();
  EXPECT_EQ(out["files"], 3);
  EXPECT_EQ(out["sent"], 3);
  EXPECT_EQ(test::read_file(dest / "index.html"), "<h1>Python 3.12.0</h1>");
  EXPECT_EQ(test::read_file(dest / "library" / "os.html").size(), 100000u);
  EXPECT_FALSE(fs::exists(dest / "python-3.12.0-docs-html"));
  for (const fs::path& p : {dest / "index.html", dest / "library" / "os.html", dest / "_static" / "pydoctheme.css"}) {
    EXPECT_EQ(stat_of(p).st_mode & 07777, 0664u) << p;
    EXPECT_EQ(stat_of(p).st_gid, 4242u) << p;
  }
  for (const fs::path& p : {dest, dest / "library", dest / "_static"}) {
    EXPECT_EQ(stat_of(p).st_mode & 07777, 0775u) << p;
    EXPECT_EQ(stat_of(p).st_gid, 4242u) << p;
  }
  EXPECT_EQ(test::sh_ok("find " + test::quote(dest.string()) + " -name '*.relman-part' | wc -l"), "0\n");
  auto probe = h->probe();
  EXPECT_EQ(probe.result, ProbeResult::done) << probe.detail;
  EXPECT_EQ(make()->run()["sent"], 0);
}

TEST_F(SftpUnpackTest, AResumeAfterALostFileSendsOnlyThatFile) {
  make()->run();
  fs::remove(dest / "library" / "os.html");
  test::write_file(dest / "index.html", "<h1>an older build</h1>");
  auto h = make();
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  EXPECT_EQ(h->run()["sent"], 2);
  EXPECT_EQ(test::read_file(dest / "index.html"), "<h1>Python 3.12.0</h1>");
  EXPECT_EQ(test::read_file(dest / "library" / "os.html").size(), 100000u);
}

TEST_F(SftpUnpackTest, AMissingArchiveAndAWrongHostKeyAreRefusedAndARehearsalWritesTheOutbox) {
  auto h = make();
  h->with()["archive"] = "python-3.12.0-docs-html.tar.bz2";
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("does not exist")));
  {
    test::ScopedEnv wrong{"RELMAN_SSH_KNOWN_HOSTS", server.wrong_known_hosts().string()};
    auto w = make();
    EXPECT_THAT([&] { w->run(); }, ThrowsMessage<StepError>(HasSubstr("does NOT match")));
    EXPECT_FALSE(fs::exists(dest));
  }
  auto r = make();
  r->ctx().mode = RunMode::rehearse;
  r->with()["url"] = "sftp://rm@docs.nyc1.psf.io/srv/docs.python.org/release/3.12.0/";
  EXPECT_EQ(r->run()["sent"], 0);
  auto msg = json::parse(test::read_file(dir / "state" / "sandbox" / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["files"], 3);
  EXPECT_FALSE(fs::exists(dest));
}

}  // namespace
}  // namespace relman
