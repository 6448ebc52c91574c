#include "adapters/gpg.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "adapters/durable.h"
#include "adapters/tty_prompt.h"

namespace relman::gpg {

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // gpgme refuses every call until its version check has run once.
    if (!gpgme_check_version(nullptr)) throw std::runtime_error("gpgme failed to initialise");
    check(gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP),
          "gpg (GnuPG 2) is not usable: install the 'gnupg' package");
  });
}

void check(gpgme_error_t err, const std::string& what) {
  if (!err) return;
  throw std::runtime_error(what + ": " + gpgme_strerror(err));
}

Context new_context() {
  ensure_init();
  gpgme_ctx_t raw = nullptr;
  check(gpgme_new(&raw), "cannot create a gpgme context");
  Context ctx(raw);
  check(gpgme_set_protocol(raw, GPGME_PROTOCOL_OpenPGP), "cannot select OpenPGP");
  return ctx;
}

Data data_from_memory(std::string_view bytes) {
  ensure_init();
  gpgme_data_t raw = nullptr;
  check(gpgme_data_new_from_mem(&raw, bytes.data(), bytes.size(), 0), "cannot wrap a buffer for gpgme");
  return Data(raw);
}

Data data_from_fd(int fd) {
  ensure_init();
  gpgme_data_t raw = nullptr;
  check(gpgme_data_new_from_fd(&raw, fd), "cannot wrap a file for gpgme");
  return Data(raw);
}

Data data_empty() {
  ensure_init();
  gpgme_data_t raw = nullptr;
  check(gpgme_data_new(&raw), "cannot create a gpgme buffer");
  return Data(raw);
}

std::string data_to_string(gpgme_data_t d) {
  if (gpgme_data_seek(d, 0, SEEK_SET) < 0) throw std::runtime_error("cannot rewind a gpgme buffer");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = gpgme_data_read(d, buf, sizeof buf);
    if (n < 0) throw std::runtime_error(std::string("cannot read a gpgme buffer: ") + std::strerror(errno));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

namespace {

std::string gnupg_home() {
  const char* h = std::getenv("GNUPGHOME");
  return h && *h ? std::string(h) : std::string("~/.gnupg");
}

bool usable_for_signing(gpgme_key_t k) {
  if (k->revoked || k->expired || k->disabled || k->invalid) return false;
  for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
    if (s->can_sign && s->secret && !s->revoked && !s->expired && !s->disabled && !s->invalid) return true;
  return false;
}

KeyInfo info_of(gpgme_key_t k) {
  KeyInfo i;
  if (k->subkeys && k->subkeys->fpr) i.fingerprint = k->subkeys->fpr;
  if (k->uids && k->uids->uid) i.uid = k->uids->uid;
  return i;
}

std::vector<KeyInfo> list_secret(const char* pattern) {
  auto ctx = new_context();
  check(gpgme_op_keylist_start(ctx.get(), pattern, 1), "cannot list secret keys in " + gnupg_home());
  std::vector<KeyInfo> out;
  for (;;) {
    gpgme_key_t raw = nullptr;
    gpgme_error_t err = gpgme_op_keylist_next(ctx.get(), &raw);
    if (gpg_err_code(err) == GPG_ERR_EOF) break;
    check(err, "cannot list secret keys in " + gnupg_home());
    Key key(raw);
    if (usable_for_signing(raw)) out.push_back(info_of(raw));
  }
  gpgme_op_keylist_end(ctx.get());
  return out;
}

std::string describe(const std::vector<KeyInfo>& keys) {
  std::string s;
  for (const auto& k : keys) s += "\n  " + k.fingerprint + "  " + k.uid;
  return s;
}

const char* validity_name(gpgme_validity_t v) {
  switch (v) {
    case GPGME_VALIDITY_ULTIMATE:
      return "ultimate";
    case GPGME_VALIDITY_FULL:
      return "full";
    case GPGME_VALIDITY_MARGINAL:
      return "marginal";
    case GPGME_VALIDITY_NEVER:
      return "never";
    case GPGME_VALIDITY_UNDEFINED:
      return "undefined";
    case GPGME_VALIDITY_UNKNOWN:
      break;
  }
  return "unknown";
}

gpgme_error_t passphrase_trampoline(void* hook, const char* uid_hint, const char* /*info*/, int prev_was_bad, int fd) {
  return static_cast<Passphrase*>(hook)->answer(uid_hint, prev_was_bad, fd);
}

Context signing_context(const std::string& fingerprint, Passphrase& pass) {
  auto ctx = new_context();
  gpgme_set_armor(ctx.get(), 1);
  gpgme_set_textmode(ctx.get(), 0);
  // Loopback: gpg-agent asks us, not a pinentry window that a release
  // manager on ssh (or CI) would never see.
  check(gpgme_set_pinentry_mode(ctx.get(), GPGME_PINENTRY_MODE_LOOPBACK), "cannot set gpg's loopback pinentry");
  gpgme_set_passphrase_cb(ctx.get(), passphrase_trampoline, &pass);
  gpgme_key_t raw = nullptr;
  gpgme_error_t err = gpgme_get_key(ctx.get(), fingerprint.c_str(), &raw, 1);
  Key key(raw);
  if (err || !raw)
    throw std::runtime_error("no secret key " + fingerprint + " in " + gnupg_home() +
                             ": check it with `gpg --list-secret-keys`, import it, or choose another key");
  check(gpgme_signers_add(ctx.get(), raw), "cannot use key " + fingerprint);
  return ctx;
}

std::string sign_data(gpgme_data_t in, const std::string& what, const std::string& fingerprint, Passphrase& pass) {
  auto ctx = signing_context(fingerprint, pass);
  auto out = data_empty();
  gpgme_error_t err = gpgme_op_sign(ctx.get(), in, out.get(), GPGME_SIG_MODE_DETACH);
  while (gpg_err_code(err) == GPG_ERR_BAD_PASSPHRASE && pass.rejected()) {
    // Someone at a terminal mistyped: ask again over the same bytes.
    if (gpgme_data_seek(in, 0, SEEK_SET) < 0) break;
    ctx = signing_context(fingerprint, pass);
    out = data_empty();
    err = gpgme_op_sign(ctx.get(), in, out.get(), GPGME_SIG_MODE_DETACH);
  }
  if (err) {
    std::string why = pass.failure(err);
    if (!why.empty()) throw std::runtime_error("cannot sign " + what + " with key " + fingerprint + ": " + why);
    throw std::runtime_error("cannot sign " + what + " with key " + fingerprint + ": " + gpgme_strerror(err));
  }
  gpgme_sign_result_t res = gpgme_op_sign_result(ctx.get());
  if (!res || res->invalid_signers || !res->signatures)
    throw std::runtime_error("cannot sign " + what + ": gpg rejected key " + fingerprint +
                             " (expired, revoked, or not able to sign?): check `gpg --list-secret-keys " + fingerprint +
                             "`");
  return data_to_string(out.get());
}

Verification verify_data(gpgme_data_t sig, gpgme_data_t text) {
  Verification v;
  auto ctx = new_context();
  gpgme_error_t err = gpgme_op_verify(ctx.get(), sig, text, nullptr);
  if (err) {
    v.problem = std::string("not a readable OpenPGP signature (") + gpgme_strerror(err) + ")";
    return v;
  }
  gpgme_verify_result_t res = gpgme_op_verify_result(ctx.get());
  if (!res || !res->signatures) {
    v.problem = "no signature found";
    return v;
  }
  gpgme_signature_t s = res->signatures;
  if (s->fpr) v.fingerprint = s->fpr;
  v.validity = validity_name(s->validity);
  // The signature names the signing (sub)key; report the primary key, which
  // is what release managers publish and pass as `key`.
  if (s->fpr) {
    gpgme_key_t raw = nullptr;
    if (!gpgme_get_key(ctx.get(), s->fpr, &raw, 0) && raw) {
      Key key(raw);
      KeyInfo info = info_of(raw);
      if (!info.fingerprint.empty()) v.fingerprint = info.fingerprint;
      v.uid = info.uid;
    }
  }
  switch (gpg_err_code(s->status)) {
    case GPG_ERR_NO_ERROR:
      v.good = true;
      break;
    case GPG_ERR_BAD_SIGNATURE:
      v.problem = "BAD signature: the signed bytes differ from what key " + v.fingerprint + " signed";
      break;
    case GPG_ERR_NO_PUBKEY:
      v.problem = "signed by key " + v.fingerprint + ", which is not in the keyring (" + gnupg_home() +
                  "): import the signer's public key with `gpg --import`";
      break;
    case GPG_ERR_SIG_EXPIRED:
      v.problem = "the signature by " + v.fingerprint + " has expired";
      break;
    case GPG_ERR_KEY_EXPIRED:
      v.problem = "key " + v.fingerprint + " has expired";
      break;
    case GPG_ERR_CERT_REVOKED:
      v.problem = "key " + v.fingerprint + " has been revoked";
      break;
    default:
      v.problem = std::string("signature not valid: ") + gpgme_strerror(s->status);
  }
  return v;
}

durable::Fd open_read(const std::filesystem::path& p) {
  durable::Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw std::runtime_error("cannot read " + p.string() + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

std::vector<KeyInfo> signing_keys() { return list_secret(nullptr); }

KeyInfo select_key(const std::string& requested) {
  if (!requested.empty()) {
    auto keys = list_secret(requested.c_str());
    if (keys.size() == 1) return keys.front();
    if (keys.empty()) {
      auto all = signing_keys();
      throw std::runtime_error(
          "no secret key able to sign matches '" + requested + "' in " + gnupg_home() +
          (all.empty() ? std::string(" (it holds none)") : ": the secret signing keys there are:" + describe(all)) +
          "\nImport the key, or set `key` to one of the fingerprints listed by "
          "`gpg --list-secret-keys`.");
    }
    throw std::runtime_error("'" + requested + "' matches several secret keys:" + describe(keys) +
                             "\nSet `key` to the full fingerprint of the one to sign with.");
  }
  auto keys = signing_keys();
  if (keys.size() == 1) return keys.front();
  if (keys.empty())
    throw std::runtime_error("no secret key to sign with in " + gnupg_home() +
                             ": import yours (`gpg --import`) or create one with "
                             "`gpg --quick-gen-key 'Your Name <you@example.org>' ed25519 sign 2y`, "
                             "or point GNUPGHOME at the keyring that holds it; with several keys there, set the step's "
                             "`key` parameter to the fingerprint of the one to sign with");
  throw std::runtime_error("several secret keys could sign in " + gnupg_home() + ":" + describe(keys) +
                           "\nSet the step's `key` parameter to the fingerprint of the one to use.");
}

Passphrase::Passphrase(std::string env_var, bool interactive, std::function<void(const std::string&)> on_secret)
    : env_var_(std::move(env_var)), interactive_(interactive), on_secret_(std::move(on_secret)) {}

Passphrase::~Passphrase() { std::fill(value_.begin(), value_.end(), '\0'); }

gpgme_error_t Passphrase::answer(const char* uid_hint, int prev_was_bad, int fd) {
  std::lock_guard lock(mu_);
  const char* env = env_var_.empty() ? nullptr : std::getenv(env_var_.c_str());
  if (prev_was_bad) {
    ++bad_;
    have_ = false;
    // A passphrase from the environment will not get better by asking again.
    if ((env && *env) || !interactive_ || bad_ >= 3) return gpg_error(GPG_ERR_BAD_PASSPHRASE);
  }
  if (!have_) {
    if (env && *env) {
      value_ = env;
    } else if (interactive_) {
      std::string who = uid_hint ? uid_hint : "the signing key";
      // uid_hint is "<long key id> <user id>"; the user id is what people know.
      if (auto sp = who.find(' '); sp != std::string::npos) who = who.substr(sp + 1);
      std::string prompt = (bad_ ? "Wrong passphrase. " : "") + std::string("Passphrase for ") + who + ": ";
      if (!tty::ask_secret(prompt, value_)) {
        missing_ = true;
        return gpg_error(GPG_ERR_NO_PASSPHRASE);
      }
    } else {
      missing_ = true;
      return gpg_error(GPG_ERR_NO_PASSPHRASE);
    }
    have_ = true;
    if (on_secret_) on_secret_(value_);
  }
  if (gpgme_io_writen(fd, value_.data(), value_.size()) != 0 || gpgme_io_writen(fd, "\n", 1) != 0)
    return gpgme_error_from_errno(errno);
  return 0;
}

bool Passphrase::rejected() {
  std::lock_guard lock(mu_);
  ++bad_;
  have_ = false;
  const char* env = env_var_.empty() ? nullptr : std::getenv(env_var_.c_str());
  return !(env && *env) && interactive_ && bad_ < 3;
}

std::string Passphrase::failure(gpgme_error_t err) const {
  std::lock_guard lock(mu_);
  const char* env = env_var_.empty() ? nullptr : std::getenv(env_var_.c_str());
  bool from_env = env && *env;
  if (bad_ > 0 || gpg_err_code(err) == GPG_ERR_BAD_PASSPHRASE)
    return from_env ? "wrong passphrase (taken from $" + env_var_ + "): set " + env_var_ +
                          " to the key's passphrase, then retry the step"
                    : "wrong passphrase: retry the step and type the key's passphrase";
  if (missing_)
    return "the key is protected by a passphrase and none was given: set the environment variable " + env_var_ +
           " to it, or run relman in a terminal to be asked for it";
  return {};
}

std::string sign_detached(std::string_view data, const std::string& fingerprint, Passphrase& pass) {
  auto in = data_from_memory(data);
  return sign_data(in.get(), "the data", fingerprint, pass);
}

std::string sign_file(const std::filesystem::path& file, const std::string& fingerprint, Passphrase& pass) {
  auto fd = open_read(file);
  auto in = data_from_fd(fd.get());
  return sign_data(in.get(), file.string(), fingerprint, pass);
}

Verification verify_detached(std::string_view signature, std::string_view data) {
  auto sig = data_from_memory(signature);
  auto text = data_from_memory(data);
  return verify_data(sig.get(), text.get());
}

Verification verify_file(const std::filesystem::path& signature, const std::filesystem::path& file) {
  auto sig_fd = open_read(signature);
  auto file_fd = open_read(file);
  auto sig = data_from_fd(sig_fd.get());
  auto text = data_from_fd(file_fd.get());
  return verify_data(sig.get(), text.get());
}

}  // namespace relman::gpg
