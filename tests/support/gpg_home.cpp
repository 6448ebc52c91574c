#include "support/gpg_home.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <sstream>
#include <stdexcept>

#include "support/shell.h"

namespace relman::test {

GpgHome::GpgHome() {
  ::chmod(dir_.path().c_str(), 0700);  // gpg warns about unsafe permissions otherwise
  // A low S2K count keeps protecting a new key from taking seconds of
  // calibration; test keys need no brute-force resistance.
  write_file(dir_ / "gpg-agent.conf",
             "allow-loopback-pinentry\ndefault-cache-ttl 0\nmax-cache-ttl 0\ns2k-count 65536\n");
  if (const char* old = std::getenv("GNUPGHOME")) saved_ = old;
  ::setenv("GNUPGHOME", dir_.path().c_str(), 1);
}

GpgHome::~GpgHome() {
  sh("gpgconf --homedir " + quote(dir_.path().string()) + " --kill all");
  if (saved_) ::setenv("GNUPGHOME", saved_->c_str(), 1);
  else ::unsetenv("GNUPGHOME");
}

std::string GpgHome::add_key(const std::string& uid, const std::string& passphrase) {
  const std::string cmd = "gpg --batch --status-fd 1 --pinentry-mode loopback --passphrase " + quote(passphrase) +
                          " --quick-gen-key " + quote(uid) + " ed25519 sign never";
  // gpg-agent 2.2.40 now and then fails its own self-signature of a new
  // protected key with "Corrupted protection" (KEY_NOT_CREATED; seen once in
  // CI under the ASan run's load, and in GnuPG's own test suite). Nothing is
  // created then, so generating again is safe; a persistent failure still
  // throws with every attempt's output.
  std::string out, failures;
  for (int attempt = 1;; ++attempt) {
    Ran result = sh(cmd);
    if (result.exit_code == 0) {
      out = result.out;
      break;
    }
    failures += "attempt " + std::to_string(attempt) + ":\n" + result.out + result.err;
    if (attempt == 3) throw std::runtime_error("gpg could not create a key for " + uid + ":\n" + failures);
  }
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const std::string tag = "[GNUPG:] KEY_CREATED ";
    if (line.rfind(tag, 0) == 0) {
      auto fpr = line.substr(line.find(' ', tag.size()) + 1);
      while (!fpr.empty() && (fpr.back() == ' ' || fpr.back() == '\r')) fpr.pop_back();
      return fpr;
    }
  }
  throw std::runtime_error("gpg created no key:\n" + out);
}

}  // namespace relman::test
