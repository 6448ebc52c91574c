#include "adapters/sftp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "support/http_server.h"
#include "support/shell.h"
#include "support/sshd.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SftpTest : public ::testing::Test {
 protected:
  sftp::Login login(const fs::path& known) const {
    sftp::Login l;
    l.key_file = server.user_key();
    l.known_hosts = known;
    l.timeout = std::chrono::seconds(10);
    return l;
  }
  sftp::Target target() const { return sftp::parse_url(server.url(server.root().string() + "/")); }
  std::string error_of(const sftp::Login& l) const {
    try {
      sftp::Session s(target(), l);
    } catch (const sftp::Error& e) {
      return e.what();
    }
    return "(connected)";
  }
  test::SshServer server;
  test::TempDir local;
};

TEST_F(SftpTest, ParsesUserHostPortAndPath) {
  auto t = sftp::parse_url("sftp://rm@downloads.example.org:2222/home/psf-users/rm/3.12.1/");
  EXPECT_EQ(t.user, "rm");
  EXPECT_EQ(t.host, "downloads.example.org");
  EXPECT_EQ(t.port, 2222);
  EXPECT_EQ(t.path, "/home/psf-users/rm/3.12.1/");
  EXPECT_EQ(sftp::parse_url("sftp://rm@h/x").port, 22);
  EXPECT_THROW(sftp::parse_url("https://h/x"), sftp::Error);
}

TEST_F(SftpTest, WritesRenamesStatsHashesListsAndSetsModes) {
  sftp::Session s(target(), login(server.known_hosts()));
  const std::string body(200000, 'x');
  test::write_file(local / "f.tgz", body);
  const std::string dir = server.root().string() + "/a/b";
  s.mkdirs(dir, 0775);
  EXPECT_TRUE(fs::is_directory(dir));
  std::uint64_t seen = 0;
  s.write(local / "f.tgz", dir + "/.f.part", [&](std::uint64_t done, std::uint64_t) { seen = done; });
  EXPECT_EQ(seen, body.size());
  s.rename(dir + "/.f.part", dir + "/f.tgz");
  EXPECT_EQ(test::read_file(fs::path(dir) / "f.tgz"), body);
  EXPECT_FALSE(fs::exists(fs::path(dir) / ".f.part"));
  // Renaming over an existing file replaces it (SFTP v3 refuses on its own).
  test::write_file(local / "g", "new");
  s.write(local / "g", dir + "/.g.part");
  s.rename(dir + "/.g.part", dir + "/f.tgz");
  EXPECT_EQ(test::read_file(fs::path(dir) / "f.tgz"), "new");
  auto st = s.stat(dir + "/f.tgz");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->size, 3u);
  EXPECT_FALSE(st->directory);
  EXPECT_FALSE(s.stat(dir + "/nothing"));
  EXPECT_EQ(s.sha256(dir + "/f.tgz"), test::sha256_hex("new"));
  s.chmod(dir + "/f.tgz", 0664);
  struct stat real {};
  ASSERT_EQ(::stat((fs::path(dir) / "f.tgz").c_str(), &real), 0);
  EXPECT_EQ(real.st_mode & 07777, 0664u);
  s.chgrp(dir + "/f.tgz", "12345");
  ASSERT_EQ(::stat((fs::path(dir) / "f.tgz").c_str(), &real), 0);
  EXPECT_EQ(real.st_gid, 12345u);
  s.chgrp(dir + "/f.tgz", "root");  // by name: chgrp on the server
  ASSERT_EQ(::stat((fs::path(dir) / "f.tgz").c_str(), &real), 0);
  EXPECT_EQ(real.st_gid, 0u);
  EXPECT_THAT(s.list(dir), ::testing::ElementsAre("f.tgz"));
  EXPECT_THROW(s.list(dir + "/missing"), sftp::Error);
}

TEST_F(SftpTest, AWrongHostKeyIsRefused) {
  EXPECT_THAT(error_of(login(server.wrong_known_hosts())), HasSubstr("does NOT match"));
}

TEST_F(SftpTest, AnUnknownHostKeyIsRefused) {
  test::write_file(local / "known_hosts", "");
  auto msg = error_of(login(local / "known_hosts"));
  EXPECT_THAT(msg, HasSubstr("is not in"));
  EXPECT_THAT(msg, HasSubstr("ssh-keyscan"));
  EXPECT_THAT(error_of(login(local / "absent")), HasSubstr("does not exist"));
}

TEST_F(SftpTest, AMissingUserKeyIsRefusedClearly) {
  auto l = login(server.known_hosts());
  l.key_file = local / "no_such_key";
  auto msg = error_of(l);
  EXPECT_THAT(msg, HasSubstr("no_such_key does not exist"));
  EXPECT_THAT(msg, HasSubstr("RELMAN_SSH_KEY"));
}

TEST_F(SftpTest, AKeyTheServerDoesNotKnowIsRefused) {
  test::sh_ok("ssh-keygen -q -t ed25519 -N '' -f " + (local / "k").string());
  auto l = login(server.known_hosts());
  l.key_file = local / "k";
  EXPECT_THAT(error_of(l), HasSubstr("refused the key"));
}

TEST_F(SftpTest, ACutConnectionFailsTheWrite) {
  sftp::Session s(target(), login(server.known_hosts()));
  test::write_file(local / "big", std::string(8 << 20, 'z'));
  bool cut = false;
  EXPECT_THROW(s.write(local / "big", server.root().string() + "/.big.part",
                       [&](std::uint64_t done, std::uint64_t) {
                         if (!cut && done > (1 << 20)) {
                           server.cut_sessions();
                           cut = true;
                         }
                       }),
               sftp::Error);
  EXPECT_TRUE(cut);
  EXPECT_LT(fs::file_size(server.root() / ".big.part"), std::uintmax_t{8 << 20});
}

}  // namespace
}  // namespace relman

namespace relman {
namespace {

// SFTP has no server-side copy: the adapter's copy reads and writes through
// the channel (what sftp.place falls back to across file systems).
TEST(SftpCopy, CopiesARemoteFileThroughTheChannel) {
  test::SshServer server;
  sftp::Login l;
  l.key_file = server.user_key();
  l.known_hosts = server.known_hosts();
  sftp::Session s(sftp::parse_url(server.url(server.root().string() + "/")), l);
  std::string body(150000, 'c');
  body[7] = '\0';
  test::write_file(server.root() / "from.tgz", body);
  s.copy((server.root() / "from.tgz").string(), (server.root() / "to.tgz").string());
  EXPECT_EQ(test::read_file(server.root() / "to.tgz"), body);
  EXPECT_EQ(test::read_file(server.root() / "from.tgz"), body);
  EXPECT_THROW(s.copy((server.root() / "absent").string(), (server.root() / "x").string()), sftp::Error);
}

}  // namespace
}  // namespace relman
