#include "adapters/git.h"

#include <gtest/gtest.h>

#include "adapters/git_known_hosts.h"
#include "adapters/git_ops.h"
#include "adapters/git_status.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

// A real ed25519 host key made by ssh-keygen: "<type> <base64>".
std::pair<std::string, std::string> make_host_key(const TempDir& dir, const std::string& name) {
  sh_ok("ssh-keygen -q -t ed25519 -N '' -f " + quote((dir / name).string()));
  std::string pub = read_file(dir / (name + ".pub"));
  auto sp = pub.find(' ');
  auto sp2 = pub.find(' ', sp + 1);
  return {pub.substr(0, sp), pub.substr(sp + 1, sp2 - sp - 1)};
}

TEST(GitKnownHosts, PlainWildcardNegatedHashedRevoked) {
  TempDir dir;
  auto [type, b64] = make_host_key(dir, "k1");
  auto [type2, other] = make_host_key(dir, "k2");
  std::string raw = git::base64_decode(b64);
  ASSERT_FALSE(raw.empty());
  EXPECT_EQ(git::base64_encode(raw), b64);

  std::string plain = "# comment\ngitlab.com,github.com " + type + " " + b64 + "\n";
  EXPECT_EQ(git::check_known_host(plain, "github.com", type, raw), git::HostKeyCheck::match);
  EXPECT_EQ(git::check_known_host(plain, "example.org", type, raw), git::HostKeyCheck::unknown);
  EXPECT_EQ(git::check_known_host(plain, "github.com", type, git::base64_decode(other)), git::HostKeyCheck::mismatch);

  std::string wild = "*.python.org,!evil.python.org " + type + " " + b64 + "\n";
  EXPECT_EQ(git::check_known_host(wild, "git.python.org", type, raw), git::HostKeyCheck::match);
  EXPECT_EQ(git::check_known_host(wild, "evil.python.org", type, raw), git::HostKeyCheck::unknown);

  // Hashed by ssh-keygen itself.
  write_file(dir / "known_hosts", "github.com " + type + " " + b64 + "\n");
  sh_ok("ssh-keygen -q -H -f " + quote((dir / "known_hosts").string()) + " >/dev/null 2>&1");
  std::string hashed = read_file(dir / "known_hosts");
  ASSERT_THAT(hashed, StartsWith("|1|")) << hashed;
  EXPECT_EQ(git::check_known_host(hashed, "github.com", type, raw), git::HostKeyCheck::match);
  EXPECT_EQ(git::check_known_host(hashed, "gitlab.com", type, raw), git::HostKeyCheck::unknown);

  std::string revoked = plain + "@revoked * " + type + " " + b64 + "\n";
  EXPECT_EQ(git::check_known_host(revoked, "github.com", type, raw), git::HostKeyCheck::mismatch);
}

// ssh writes a host on another port as "[host]:port": the brackets are
// literal (OpenSSH matches only `*` and `?`), so neither fnmatch's bracket
// sets nor a bare-host entry stand in for it; case is ignored.
TEST(GitKnownHosts, BracketedPortsAreLiteralAndListingIgnoresRevokedLines) {
  TempDir dir;
  auto [type, b64] = make_host_key(dir, "k1");
  std::string raw = git::base64_decode(b64);
  std::string ported = "[127.0.0.1]:2200 " + type + " " + b64 + "\n";
  EXPECT_EQ(git::check_known_host(ported, "[127.0.0.1]:2200", type, raw), git::HostKeyCheck::match);
  EXPECT_EQ(git::check_known_host(ported, "1", type, raw), git::HostKeyCheck::unknown);
  EXPECT_EQ(git::check_known_host(ported, "127.0.0.1", type, raw), git::HostKeyCheck::unknown);
  EXPECT_EQ(git::check_known_host("GitHub.COM " + type + " " + b64 + "\n", "github.com", type, raw),
            git::HostKeyCheck::match);
  EXPECT_EQ(git::check_known_host("git?.python.org " + type + " " + b64 + "\n", "git1.python.org", type, raw),
            git::HostKeyCheck::match);

  EXPECT_TRUE(git::host_is_listed(ported, "[127.0.0.1]:2200"));
  EXPECT_FALSE(git::host_is_listed(ported, "127.0.0.1"));
  EXPECT_FALSE(git::host_is_listed("@revoked github.com " + type + " " + b64 + "\n", "github.com"));
  EXPECT_FALSE(git::host_is_listed("# github.com " + type + " " + b64 + "\n", "github.com"));
  EXPECT_FALSE(git::host_is_listed("github.com\n", "github.com"));
}

TEST(GitOps, HeadBranchStatusAndConflicts) {
  TempDir dir;
  auto path = dir / "r";
  make_repo(path, {{"a.txt", "a\n"}});
  auto repo = git::open(path);
  EXPECT_EQ(git::head_branch(repo.get()).value_or("?"), "main");
  EXPECT_TRUE(git::status(repo.get()).empty());
  write_file(path / "n.txt", "n");
  auto st = git::status(repo.get());
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].path, "n.txt");
  EXPECT_EQ(st[0].what, "untracked");

  sh_ok(
      "rm n.txt && git checkout -q -b x && echo x > a.txt && git commit -q -am x && git checkout -q main && "
      "echo m > a.txt && git commit -q -am m && (git merge -q x || true)",
      path);
  auto index = git::repository_index(repo.get());
  EXPECT_EQ(git::conflicted_paths(index.get()), std::vector<std::string>{"a.txt"});
  EXPECT_EQ(git::status(repo.get())[0].what, "conflicted");
  sh_ok("git merge --abort && git checkout -q --detach", path);
  EXPECT_FALSE(git::head_branch(repo.get()).has_value());
}

}  // namespace
}  // namespace relman::test
