#include "adapters/gpg.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/gpg_home.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::GpgHome;
using test::TempDir;

TEST(GpgAdapter, SelectsTheOnlyKeyAndSignsDataThatGpgVerifies) {
  GpgHome home;
  std::string fpr = home.add_key();
  auto key = gpg::select_key("");
  EXPECT_EQ(key.fingerprint, fpr);
  EXPECT_EQ(key.uid, "Test Releaser <rm@example.org>");

  TempDir dir;
  test::write_file(dir / "data.txt", "release bytes\n");
  gpg::Passphrase pass("RELMAN_TEST_NO_SUCH_VAR", false, {});
  std::string sig = gpg::sign_detached("release bytes\n", fpr, pass);
  EXPECT_THAT(sig, StartsWith("-----BEGIN PGP SIGNATURE-----"));
  test::write_file(dir / "data.txt.asc", sig);
  auto r = test::sh("gpg --status-fd 1 --verify data.txt.asc data.txt", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("VALIDSIG " + fpr)) << r.out;

  auto v = gpg::verify_file(dir / "data.txt.asc", dir / "data.txt");
  EXPECT_TRUE(v.good) << v.problem;
  EXPECT_EQ(v.fingerprint, fpr);
  // Our own new key: gpg trusts it fully or ultimately, depending on whether the trustdb was rebuilt yet.
  EXPECT_TRUE(v.validity == "ultimate" || v.validity == "full") << v.validity;
}

TEST(GpgAdapter, SignFileStreamsTheFile) {
  GpgHome home;
  std::string fpr = home.add_key();
  TempDir dir;
  std::string big(3 * 1024 * 1024, 'x');
  test::write_file(dir / "big.bin", big);
  gpg::Passphrase pass("RELMAN_TEST_NO_SUCH_VAR", false, {});
  test::write_file(dir / "big.bin.asc", gpg::sign_file(dir / "big.bin", fpr, pass));
  EXPECT_EQ(test::sh("gpg --verify big.bin.asc big.bin", dir.path()).exit_code, 0);
  EXPECT_TRUE(gpg::verify_detached(test::read_file(dir / "big.bin.asc"), big).good);
}

TEST(GpgAdapter, VerifyReportsTamperingAndGarbage) {
  GpgHome home;
  std::string fpr = home.add_key();
  gpg::Passphrase pass("RELMAN_TEST_NO_SUCH_VAR", false, {});
  std::string sig = gpg::sign_detached("original", fpr, pass);
  auto bad = gpg::verify_detached(sig, "0riginal");
  EXPECT_FALSE(bad.good);
  EXPECT_THAT(bad.problem, HasSubstr("BAD signature")) << bad.problem;
  EXPECT_EQ(bad.fingerprint, fpr);
  auto garbage = gpg::verify_detached("not a signature", "original");
  EXPECT_FALSE(garbage.good);
  EXPECT_FALSE(garbage.problem.empty());
}

TEST(GpgAdapter, KeySelectionErrorsSayWhatToDo) {
  GpgHome home;
  EXPECT_THAT([&] { gpg::select_key(""); }, ThrowsMessage<std::runtime_error>(HasSubstr("--quick-gen-key")));
  std::string a = home.add_key("A <a@example.org>");
  std::string b = home.add_key("B <b@example.org>");
  EXPECT_THAT([&] { gpg::select_key(""); },
              ThrowsMessage<std::runtime_error>(AllOf(HasSubstr(a), HasSubstr(b), HasSubstr("`key`"))));
  EXPECT_EQ(gpg::select_key(b).fingerprint, b);
  EXPECT_THROW(gpg::select_key("0000000000000000000000000000000000000000"), std::runtime_error);
}

TEST(GpgAdapter, PassphraseFromEnvironmentAndWrongPassphrase) {
  GpgHome home;
  const std::string secret = "correct horse battery";
  std::string fpr = home.add_key("Protected <p@example.org>", secret);

  std::vector<std::string> registered;
  ::setenv("RELMAN_TEST_GPG_PASS", "wrong horse battery", 1);
  {
    gpg::Passphrase pass("RELMAN_TEST_GPG_PASS", false, [&](const std::string& s) { registered.push_back(s); });
    EXPECT_THAT(
        [&] { gpg::sign_detached("data", fpr, pass); },
        ThrowsMessage<std::runtime_error>(AllOf(HasSubstr("wrong passphrase"), HasSubstr("RELMAN_TEST_GPG_PASS"),
                                                Not(HasSubstr("wrong horse battery")))));
  }
  ASSERT_FALSE(registered.empty());
  EXPECT_EQ(registered.front(), "wrong horse battery");

  ::setenv("RELMAN_TEST_GPG_PASS", secret.c_str(), 1);
  {
    gpg::Passphrase pass("RELMAN_TEST_GPG_PASS", false, {});
    std::string sig = gpg::sign_detached("data", fpr, pass);
    EXPECT_TRUE(gpg::verify_detached(sig, "data").good);
  }
  ::unsetenv("RELMAN_TEST_GPG_PASS");
  {
    // No variable and no terminal: the message says how to give one.
    gpg::Passphrase pass("RELMAN_TEST_GPG_PASS", false, {});
    EXPECT_THAT([&] { gpg::sign_detached("data", fpr, pass); },
                ThrowsMessage<std::runtime_error>(HasSubstr("none was given")));
  }
}

TEST(GpgAdapter, AsksOnTheTerminalWithEchoOff) {
  GpgHome home;
  const std::string secret = "typed at the tty";
  std::string fpr = home.add_key("Protected <p@example.org>", secret);
  TempDir dir;
  ::unsetenv("RELMAN_TEST_TTY_PASS");
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // the child has the pty as its controlling terminal
    int code = 2;
    try {
      gpg::Passphrase pass("RELMAN_TEST_TTY_PASS", true, {});
      test::write_file(dir / "sig.asc", gpg::sign_detached("tty data", fpr, pass));
      code = 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
    }
    ::_exit(code);
  }
  std::string seen;
  bool answered = false;
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) break;  // a hung child fails the checks below
    char buf[256];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child is gone
    seen.append(buf, static_cast<size_t>(n));
    if (!answered && seen.find(": ") != std::string::npos && seen.find("Passphrase for") != std::string::npos) {
      std::string line = secret + "\n";
      ASSERT_EQ(::write(master, line.data(), line.size()), static_cast<ssize_t>(line.size()));
      answered = true;
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << seen;
  EXPECT_THAT(seen, HasSubstr("Passphrase for Protected <p@example.org>: ")) << seen;
  EXPECT_THAT(seen, Not(HasSubstr(secret))) << "the passphrase was echoed: " << seen;
  test::write_file(dir / "data", "tty data");
  EXPECT_EQ(test::sh("gpg --verify sig.asc data", dir.path()).exit_code, 0);
}

}  // namespace
}  // namespace relman
