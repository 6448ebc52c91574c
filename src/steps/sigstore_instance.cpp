#include "steps/sigstore_instance.h"

#include <fmt/format.h>

#include <ctime>
#include <random>

#include "adapters/http.h"
#include "adapters/sigstore_crypto.h"
#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps::sigstore {

namespace {

bool uses_standin(const StepContext& ctx) {
  return ctx.mode == RunMode::rehearse && !ctx.sandbox.sigstore_real && !ctx.sandbox.sigstore_url.empty();
}

std::string url_param(const StepContext& ctx, const std::string& key, const std::string& fallback) {
  std::string u = ctx.str(key, fallback);
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (ctx.mode == RunMode::rehearse && !ctx.sandbox.sigstore_real && !http::is_loopback(u))
    throw StepError(
        fmt::format("a rehearsal signs only against a Sigstore stand-in on loopback, and '{}' is {}: "
                    "rehearse with the sandbox's stand-in (relman rehearse starts one), point '{}' at 127.0.0.1, "
                    "or check your identity on the real instance with `relman rehearse --sigstore-real`",
                    key, u, key));
  return u;
}

}  // namespace

std::optional<std::filesystem::path> trusted_root_for(const StepContext& ctx) {
  if (uses_standin(ctx)) return ctx.sandbox.sigstore_trusted_root;
  if (ctx.has("trusted_root") && !ctx.str("trusted_root").empty()) return ctx.repo_path(ctx.str("trusted_root"));
  return std::nullopt;
}

Instance instance_for(const StepContext& ctx) {
  Instance in;
  in.trusted_root = trusted_root_for(ctx);
  if (uses_standin(ctx)) {
    in.fulcio = in.rekor = ctx.sandbox.sigstore_url;
    in.standin = true;
    return in;
  }
  in.fulcio = url_param(ctx, "fulcio_url", "https://fulcio.sigstore.dev");
  in.rekor = url_param(ctx, "rekor_url", "https://rekor.sigstore.dev");
  return in;
}

http::Options client_options(const StepContext& ctx) {
  http::Options o = rehearsal::http_options(ctx);
  if (ctx.mode == RunMode::rehearse && ctx.sandbox.sigstore_real) o.loopback_only = false;
  return o;
}

std::optional<Signer> expected_signer(const StepContext& ctx) {
  // Empty is not given: a workflow passes vars that default to "".
  Signer given{ctx.has("identity") ? ctx.str("identity") : "", ctx.has("issuer") ? ctx.str("issuer") : ""};
  if (!given.identity.empty() || !given.issuer.empty()) {
    if (given.identity.empty() || given.issuer.empty())
      throw StepError("'identity' and 'issuer' go together: give both, or neither");
    return given;
  }
  if (!ctx.has("identities")) return std::nullopt;
  const json& table = ctx.with["identities"];
  const std::string xy = ctx.release.major_minor();
  if (!table.is_object() || !table.contains(xy))
    throw StepError(fmt::format(
        "no release manager's Sigstore identity for Python {} in 'identities'; add \"{}\": [EMAIL, OIDC_ISSUER] "
        "to the workflow (release-tools keeps the same table in add_to_pydotorg.py)",
        xy, xy));
  const json& e = table[xy];
  if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string())
    throw StepError(fmt::format("'identities' for {} must be [EMAIL, OIDC_ISSUER], not {}", xy, e.dump()));
  return Signer{e[0].get<std::string>(), e[1].get<std::string>()};
}

std::vector<ParamSpec> signer_params() {
  return {
      {"identity", ParamType::string, false, "the signer's expected identity (the certificate's email or URI SAN)"},
      {"issuer", ParamType::string, false, "the expected OIDC issuer (e.g. https://github.com/login/oauth)"},
      {"identities", ParamType::any, false,
       "the expected signer per X.Y, {\"3.14\": [EMAIL, OIDC_ISSUER], ...}, when 'identity' is not given"},
  };
}

std::string standin_token(const Signer& who) {
  std::random_device rd;
  json claims = {{"iss", who.issuer},
                 {"sub", who.identity},
                 {"email", who.identity},
                 {"aud", "sigstore"},
                 {"iat", static_cast<std::int64_t>(std::time(nullptr))},
                 {"jti", fmt::format("{:08x}{:08x}", rd(), rd())}};
  return relman::sigstore::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
         relman::sigstore::base64url_encode(claims.dump()) + ".";
}

}  // namespace relman::steps::sigstore
