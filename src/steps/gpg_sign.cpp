// gpg.sign: a detached, armored `<file>.asc` for each release file, through
// gpgme. Files are signed concurrently (each signature is gpg hashing the
// whole file, so two big tarballs take the time of one on two cores), and a
// file whose .asc already verifies by the key is left alone, so a resumed
// step signs only what is missing.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <thread>

#include "adapters/durable.h"
#include "adapters/gpg.h"
#include "core/confine.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/files_to_sign.h"

namespace relman::steps {
namespace {

bool same_key(std::string a, std::string b) {
  auto up = [](std::string& s) { std::transform(s.begin(), s.end(), s.begin(), ::toupper); };
  up(a);
  up(b);
  return !a.empty() && a == b;
}

std::filesystem::path asc_of(const std::filesystem::path& file) { return file.string() + ".asc"; }

// Empty when `file`'s signature is in place and made by `key`, else why not.
std::string signature_problem(const std::filesystem::path& file, const std::string& key) {
  auto asc = asc_of(file);
  if (!std::filesystem::exists(asc)) return asc.string() + " does not exist";
  auto v = gpg::verify_file(asc, file);
  if (!v.good) return asc.string() + ": " + v.problem;
  if (!same_key(v.fingerprint, key)) return asc.string() + " is signed by " + v.fingerprint + ", not " + key;
  return {};
}

json outputs_of(const std::vector<std::filesystem::path>& files, const std::string& key) {
  json sigs = json::array();
  for (const auto& f : files) sigs.push_back(asc_of(f).string());
  return {{"signatures", sigs}, {"key", key}};
}

class GpgSign final : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {
        {"files", ParamType::string_or_list, true, "files to sign, inside artifacts/ (the .asc goes beside each)"},
        {"key", ParamType::string, false, "fingerprint of the signing key (default: the only secret key)"},
        {"passphrase_env", ParamType::string, false,
         "environment variable holding the key's passphrase (default RELMAN_GPG_PASSPHRASE)"},
        {"jobs", ParamType::integer, false, "files signed at once (default: one per core)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"signatures", "key"}; }
  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    check_confined_param(with, "files", "artifacts/", problems);
    return problems;
  }

  json run(StepContext& ctx) const override {
    auto files = files_to_sign(ctx);
    require_files_exist(files);
    gpg::KeyInfo key;
    try {
      key = gpg::select_key(ctx.str("key", ctx.sandbox.signing_key));
    } catch (const std::runtime_error& e) {
      throw StepError(e.what());
    }
    ctx.save_checkpoint({{"key", key.fingerprint}});

    std::vector<std::filesystem::path> todo;
    for (const auto& f : files) {
      if (signature_problem(f, key.fingerprint).empty())
        ctx.log->line(fmt::format("{} already has a valid signature by {}", f.string(), key.fingerprint));
      else todo.push_back(f);
    }
    ctx.log->line(fmt::format("signing {} file(s) with key {} ({})", todo.size(), key.fingerprint, key.uid));

    gpg::Passphrase pass(ctx.str("passphrase_env", "RELMAN_GPG_PASSPHRASE"), ctx.interactive && !ctx.ci,
                         [&ctx](const std::string& s) { ctx.add_secret(s); });
    long long jobs = ctx.integer("jobs", std::max(1u, std::thread::hardware_concurrency()));
    jobs = std::clamp<long long>(jobs, 1, std::max<long long>(1, static_cast<long long>(todo.size())));

    std::atomic<size_t> next{0};
    std::atomic<size_t> finished{0};
    std::mutex mu;
    std::vector<std::string> errors;
    auto worker = [&] {
      for (size_t i = next++; i < todo.size(); i = next++) {
        const auto& file = todo[i];
        try {
          std::string sig = gpg::sign_file(file, key.fingerprint, pass);
          durable::write_atomic(asc_of(file), sig);
          std::lock_guard lock(mu);
          ctx.log->line("wrote " + asc_of(file).string());
          ctx.progress(fmt::format("signed {}/{}", ++finished, todo.size()));
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          errors.push_back(e.what());
        }
      }
    };
    std::vector<std::jthread> pool;
    for (long long t = 1; t < jobs; ++t) pool.emplace_back(worker);
    worker();
    pool.clear();  // joins

    if (!errors.empty()) {
      std::sort(errors.begin(), errors.end());
      // Different files fail for the same reason (a wrong passphrase): say it once.
      errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
      std::string msg;
      for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
      throw StepError(msg);
    }
    return outputs_of(files, key.fingerprint);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto files = files_to_sign(ctx);
    std::string key = ctx.checkpoint.value("key", std::string());
    if (key.empty()) {
      try {
        key = gpg::select_key(ctx.str("key", ctx.sandbox.signing_key)).fingerprint;
      } catch (const std::runtime_error& e) {
        return {ProbeResult::unknown, json::object(), e.what()};
      }
    }
    for (const auto& f : files) {
      if (!std::filesystem::is_regular_file(f))
        return {ProbeResult::not_done, json::object(), f.string() + " is missing"};
      if (auto why = signature_problem(f, key); !why.empty()) return {ProbeResult::not_done, json::object(), why};
    }
    return {ProbeResult::done, outputs_of(files, key), "every file has a valid signature by " + key};
  }
};

}  // namespace

RELMAN_REGISTER_STEP(GpgSign, "gpg.sign");

}  // namespace relman::steps
