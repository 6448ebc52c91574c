// Thin RAII over gpgme's C API: key selection, detached armored signatures and
// their verification. Every gpgme handle is owned by one of these; errors
// become std::runtime_error with a message that says what to do.
//
// Each operation uses its own gpgme context, so the functions here may be
// called from several threads at once.
#pragma once

#include <gpgme.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace relman::gpg {

// Calls gpgme_check_version once per process; every function below does too.
void ensure_init();

template <typename T, void (*Free)(T)>
struct Deleter {
  void operator()(T p) const {
    if (p) Free(p);
  }
};

using Context = std::unique_ptr<gpgme_context, Deleter<gpgme_ctx_t, gpgme_release>>;
using Data = std::unique_ptr<gpgme_data, Deleter<gpgme_data_t, gpgme_data_release>>;
using Key = std::unique_ptr<_gpgme_key, Deleter<gpgme_key_t, gpgme_key_unref>>;

// A fresh OpenPGP context (GNUPGHOME from the environment).
Context new_context();
Data data_from_memory(std::string_view bytes);  // not copied: `bytes` must outlive it
Data data_from_fd(int fd);
Data data_empty();
std::string data_to_string(gpgme_data_t d);

// Throws std::runtime_error("<what>: <gpgme's message>") when err is set.
void check(gpgme_error_t err, const std::string& what);

struct KeyInfo {
  std::string fingerprint;  // of the primary key
  std::string uid;          // the first user id, "Name <email>"
};

// Secret keys usable for signing (not revoked, expired, disabled or invalid).
std::vector<KeyInfo> signing_keys();

// The key to sign with: `requested` (a fingerprint, or anything gpg accepts
// that names exactly one secret key) or, when empty, the only secret signing
// key. Throws with a message that lists the keys found and how to make or
// choose one.
KeyInfo select_key(const std::string& requested);

// Where a passphrase comes from when the key is protected: the environment
// variable `env_var`, else (when `interactive`) a prompt on /dev/tty with echo
// off. It is kept in memory for the life of this object only, so one step's
// signatures (possibly made concurrently) ask once, and is handed to
// `on_secret` as soon as it is known so logs and errors can mask it.
class Passphrase {
 public:
  Passphrase(std::string env_var, bool interactive, std::function<void(const std::string&)> on_secret);
  ~Passphrase();
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;

  const std::string& env_var() const { return env_var_; }
  // Used by the gpgme callback; fd is where gpg-agent reads the passphrase.
  gpgme_error_t answer(const char* uid_hint, int prev_was_bad, int fd);
  // gpg-agent rejected the passphrase it was given (in loopback mode it
  // does not ask again by itself). Forgets it; true when asking again makes
  // sense (a terminal prompt, fewer than 3 tries), false for the environment.
  bool rejected();
  // Why an operation that failed with `err` could not get a passphrase, for
  // error messages; empty when the passphrase was not the problem.
  std::string failure(gpgme_error_t err) const;

 private:
  std::string env_var_;
  bool interactive_;
  std::function<void(const std::string&)> on_secret_;
  mutable std::mutex mu_;
  std::string value_;
  bool have_ = false;
  int bad_ = 0;           // rejected passphrases so far
  bool missing_ = false;  // asked for one and had none
};

// A detached, ASCII-armored signature of `data` (or of a file's bytes, read
// streaming) by `fingerprint`, through gpg-agent's loopback pinentry.
std::string sign_detached(std::string_view data, const std::string& fingerprint, Passphrase& pass);
std::string sign_file(const std::filesystem::path& file, const std::string& fingerprint, Passphrase& pass);

struct Verification {
  bool good = false;        // a valid signature, made by a known key, over these bytes
  std::string fingerprint;  // the signer's primary key, when known
  std::string uid;          // the signer's first user id, when known
  std::string validity;     // "ultimate", "full", "marginal", "unknown", ...
  std::string problem;      // when !good: what is wrong, in words
};

// Verifies a detached signature over data (or a file, read streaming). Never
// throws for a bad signature: it says so in the result.
Verification verify_detached(std::string_view signature, std::string_view data);
Verification verify_file(const std::filesystem::path& signature, const std::filesystem::path& file);

}  // namespace relman::gpg
