// A throwaway GnuPG home for tests that sign or verify.
//
//   relman::test::GpgHome gpg;                       // GNUPGHOME=/tmp/rm-XXXXXX
//   std::string fpr = gpg.add_key();                 // "Test Releaser <rm@example.org>", no passphrase
//   std::string other = gpg.add_key("Other <o@example.org>", "pass phrase");  // protected key
//   sh_ok("gpg --verify f.asc f");                   // the gpg CLI sees the same home
//
// While the object lives, GNUPGHOME is set for the whole process (setenv), so
// gpgme, `gpg` and `git tag -v` run from tests all use it; the previous value
// is restored afterwards. GpgHomes may nest (an inner one, e.g. a stranger's
// keyring, is in force until it ends, then the outer one again), but must end
// in the reverse order they began, and not be used from several threads. The destructor stops the
// agent (`gpgconf --kill all`) and removes the directory.
//
// The agent caches no passphrase (cache TTL 0), so every signature with a
// protected key really goes through relman's passphrase callback, and a wrong
// passphrase fails even after a right one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "support/temp_dir.h"

namespace relman::test {

class GpgHome {
 public:
  GpgHome();
  ~GpgHome();
  GpgHome(const GpgHome&) = delete;
  GpgHome& operator=(const GpgHome&) = delete;

  const std::filesystem::path& path() const { return dir_.path(); }

  // Generates an ed25519 signing key (no expiry) and returns its fingerprint.
  // An empty passphrase makes an unprotected key.
  std::string add_key(const std::string& uid = "Test Releaser <rm@example.org>", const std::string& passphrase = "");

 private:
  TempDir dir_;
  std::optional<std::string> saved_;
};

}  // namespace relman::test
