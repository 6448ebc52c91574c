// sigstore.verify: each file's `<file>.sigstore` bundle is checked as a
// downloader would check it, before anything is pushed or uploaded: the
// certificate chains to the trust root's CA at the time the log integrated
// the entry, names the expected identity and issuer, its key signed the
// file's SHA-256, the log's key signed the entry timestamp and the
// checkpoint, and the inclusion proof recomputes to the checkpoint's root.
#include <fmt/format.h>

#include "adapters/durable.h"
#include "adapters/sha256.h"
#include "adapters/sigstore_crypto.h"
#include "core/confine.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/sigstore_bundle.h"
#include "steps/sigstore_instance.h"

namespace relman::steps {
namespace {

namespace rs = relman::sigstore;
namespace ss = relman::steps::sigstore;

// Empty when every bundle verifies, else each problem on its own line.
// The trust root and the signer to check against; a StepError saying what
// to give when either is missing.
std::pair<ss::TrustRoot, ss::Signer> expectations(const StepContext& ctx) {
  auto trusted_root = ss::trusted_root_for(ctx);
  if (!trusted_root)
    throw StepError(
        "no 'trusted_root' to verify against: give the instance's trusted_root.json (for the public instance, the "
        "one sigstore-python or cosign fetched through Sigstore's TUF repository)");
  auto signer = ss::expected_signer(ctx);
  if (!signer) throw StepError("no signer to expect: give 'identity' and 'issuer', or an 'identities' table by X.Y");
  return {ss::load_trust_root(*trusted_root), *signer};
}

std::string problems(const StepContext& ctx, std::vector<std::filesystem::path>& bundles, ss::Signer& who) {
  auto [root, signer] = expectations(ctx);
  who = signer;
  const std::string& identity = signer.identity;
  const std::string& issuer = signer.issuer;
  std::string out;
  for (const auto& f : ctx.list("files")) {
    auto file = confine_path(ctx, ctx.artifacts_dir, f, "artifacts/");
    auto bundle = std::filesystem::path(file.string() + ".sigstore");
    bundles.push_back(bundle);
    std::string why;
    if (!std::filesystem::is_regular_file(file)) why = file.string() + " does not exist";
    else if (!std::filesystem::is_regular_file(bundle))
      why = bundle.string() + " does not exist: sign the file first (sigstore.sign)";
    else {
      json b;
      try {
        b = json::parse(durable::read_file(bundle));
      } catch (const std::exception& e) {
        why = fmt::format("{} is not JSON ({}); sign again", bundle.string(), e.what());
      }
      if (why.empty()) {
        why = ss::bundle_problem(b, root, {rs::hex_decode(sha256_file(file)), identity, issuer});
        if (!why.empty()) why = fmt::format("{}: {}", bundle.filename().string(), why);
      }
    }
    if (!why.empty()) out += (out.empty() ? "" : "\n") + why;
  }
  return out;
}

class SigstoreVerify final : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    std::vector<ParamSpec> specs = {
        {"files", ParamType::string_or_list, true,
         "signed files, inside artifacts/ (each with <file>.sigstore beside it)"},
        {"trusted_root", ParamType::string, false,
         "the instance's Sigstore trusted_root.json (a rehearsal uses its stand-in's)"},
    };
    for (auto& p : ss::signer_params()) specs.push_back(p);
    return specs;
  }
  std::vector<std::string> outputs() const override { return {"bundles"}; }
  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> p;
    check_confined_param(with, "files", "artifacts/", p);
    return p;
  }

  json run(StepContext& ctx) const override {
    std::vector<std::filesystem::path> bundles;
    ss::Signer who;
    std::string why;
    try {
      why = problems(ctx, bundles, who);
    } catch (const StepError&) {
      throw;
    } catch (const std::exception& e) {
      throw StepError(e.what());
    }
    if (!why.empty()) throw StepError(why);
    json out = json::array();
    for (const auto& b : bundles) {
      ctx.log->line(fmt::format("{} verifies: signed by {} ({})", b.string(), who.identity, who.issuer));
      out.push_back(b.string());
    }
    return {{"bundles", out}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    try {
      return {ProbeResult::done, run(ctx), "every bundle verifies"};
    } catch (const StepError& e) {
      return {ProbeResult::not_done, json::object(), e.what()};
    }
  }
};

}  // namespace

RELMAN_REGISTER_STEP(SigstoreVerify, "sigstore.verify");

}  // namespace relman::steps
