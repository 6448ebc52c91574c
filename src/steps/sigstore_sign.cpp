// sigstore.sign: a Sigstore bundle `<file>.sigstore` beside each release
// file, as CPython signs since 3.14: an OIDC identity token, an ephemeral
// P-256 key that lives in memory only, a Fulcio certificate binding the key
// to the identity for ten minutes, a Rekor hashedrekord entry of the file's
// SHA-256 signed by that key, and the bundle made of them.
//
// The Rekor entry is the one effect on another machine. Before posting it the
// step journals the certificate (public) per file; a run killed after the
// entry but before the bundle searches the log by the file's digest on resume
// and builds the bundle from the entry made with that certificate, instead of
// logging the file a second time.
#include <fmt/format.h>

#include <cstdlib>

#include "adapters/credentials.h"
#include "adapters/durable.h"
#include "adapters/http.h"
#include "adapters/oidc_sign_in.h"
#include "adapters/sha256.h"
#include "adapters/sigstore_crypto.h"
#include "adapters/tty_prompt.h"
#include "core/confine.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/files_to_sign.h"
#include "steps/github_api.h"
#include "steps/sigstore_bundle.h"
#include "steps/sigstore_instance.h"

namespace relman::steps {
namespace {

namespace rs = relman::sigstore;
namespace ss = relman::steps::sigstore;

std::filesystem::path bundle_of(const std::filesystem::path& file) { return file.string() + ".sigstore"; }

http::Request json_post(const std::string& url, const json& body) {
  http::Request r;
  r.method = "POST";
  r.url = url;
  r.headers = {"Content-Type: application/json", "Accept: application/json"};
  r.body = body.dump();
  return r;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool known_sign_in(const std::string& mode) {
  return mode == "auto" || mode == "browser" || mode == "code" || mode == "never";
}

// The interactive sign-in, as release managers sign (release-tools runs
// `sigstore sign --oidc-disable-ambient-providers`): the URL on the terminal,
// the browser's redirect to a loopback listener, or the code typed back.
std::string signed_in_token(StepContext& ctx, const http::Client& client, const std::string& mode,
                            const std::optional<ss::Signer>& signer) {
  if (!ctx.interactive || ctx.ci)
    throw StepError(fmt::format(
        "signing in to Sigstore ('sign_in: {}') needs a terminal, and this run has none{}; run `relman resume` at "
        "a terminal, or give a token in SIGSTORE_ID_TOKEN (or 'token_env'/'token_file')",
        mode, ctx.ci ? " (--ci)" : ""));
  oidc::SignIn how;
  how.issuer = ctx.str("oidc_issuer", how.issuer);
  how.client_id = ctx.str("oidc_client_id", how.client_id);
  how.out_of_band = mode == "code";
  how.timeout = std::chrono::seconds(ctx.integer("sign_in_timeout", 300));
  const std::string who =
      signer ? fmt::format(" as {} ({})", signer->identity, signer->issuer) : std::string(" with your identity");
  how.show = [&](const std::string& url) {
    std::string text = fmt::format(
        "\nSign in to Sigstore{} to sign the release: open this URL in a browser{}:\n\n    {}\n\n{}", who,
        how.out_of_band ? ", then type the code it shows" : " on this machine", url,
        how.out_of_band ? ""
                        : fmt::format("Waiting up to {} s for the sign-in (relman resume signs in again)...\n",
                                      how.timeout.count() / 1000));
    if (!tty::tell(text)) throw StepError("cannot write to the terminal to show the sign-in URL");
  };
  how.ask_code = [] {
    std::string code;
    tty::ask_secret("Sign-in code: ", code);
    return code;
  };
  how.on_secret = [&](const std::string& s, const std::string& what) { ctx.add_secret(s, what); };
  ctx.log->line(fmt::format("signing in to Sigstore through {}{}", how.issuer,
                            how.out_of_band ? " (the code typed back)" : " (the browser's redirect to loopback)"));
  try {
    std::string token = oidc::sign_in(client, how);
    ctx.log->line("signed in");
    return token;
  } catch (const oidc::SignInError& e) {
    throw StepError(e.what());
  }
}

// The identity token: a file, else a variable (or credentials-file entry),
// else GitHub Actions' ambient OIDC provider, else (at a terminal) the
// sign-in. Registered as a secret at once.
std::string identity_token(StepContext& ctx, const http::Client& client, const std::optional<ss::Signer>& signer) {
  const std::string mode = ctx.str("sign_in", "auto");
  if (!known_sign_in(mode)) throw StepError(fmt::format("'sign_in' is auto, browser, code or never, not '{}'", mode));
  if (mode == "browser" || mode == "code") return signed_in_token(ctx, client, mode, signer);
  if (ctx.has("token_file")) {
    auto path = ctx.repo_path(ctx.str("token_file"));
    std::string t;
    try {
      t = trimmed(durable::read_file(path));
    } catch (const std::exception& e) {
      throw StepError(fmt::format("cannot read the identity token file {}: {}; write a fresh token there",
                                  path.string(), e.what()));
    }
    if (t.empty())
      throw StepError(fmt::format("the identity token file {} is empty; write a fresh token there", path.string()));
    ctx.add_secret(t, "token_file");
    return t;
  }
  std::string env = ctx.str("token_env", "SIGSTORE_ID_TOKEN");
  std::optional<std::string> t;
  try {
    t = credentials::lookup(env);
  } catch (const std::exception& e) {
    throw StepError(fmt::format("{}", e.what()));
  }
  if (t) {
    ctx.add_secret(*t, env);
    return trimmed(*t);
  }
  const char* url = std::getenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  const char* bearer = std::getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (url && *url && bearer && *bearer) {
    ctx.add_secret(bearer, "ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    std::string u =
        std::string(url) + (std::string(url).find('?') == std::string::npos ? "?" : "&") + "audience=sigstore";
    try {
      json j = client.get_json(u, {std::string("Authorization: bearer ") + bearer});
      std::string v = j.value("value", "");
      if (v.empty()) throw StepError("GitHub Actions' OIDC provider answered without a token ('value')");
      ctx.add_secret(v, "GitHub Actions OIDC");
      return v;
    } catch (const http::Error& e) {
      throw StepError(
          fmt::format("GitHub Actions' OIDC provider failed: {}; the job needs `permissions: id-token: "
                      "write`",
                      e.what()));
    }
  }
  if (mode == "auto" && ctx.interactive && !ctx.ci) return signed_in_token(ctx, client, "browser", signer);
  throw StepError(
      fmt::format("no identity token for Sigstore: {}; or run in GitHub Actions with `permissions: "
                  "id-token: write`, name a file in 'token_file', or run `relman resume` at a terminal to sign in "
                  "through the browser",
                  credentials::missing_advice(env)));
}

// Fulcio v2: a certificate for `key`, bound to the token's identity.
std::vector<rs::Certificate> request_certificate(const http::Client& client, const std::string& fulcio,
                                                 const std::string& token, const ss::TokenClaims& claims,
                                                 const rs::KeyPair& key) {
  json req = {{"credentials", {{"oidcIdentityToken", token}}},
              {"publicKeyRequest",
               {{"publicKey", {{"algorithm", "ECDSA"}, {"content", key.public_pem()}}},
                {"proofOfPossession", rs::base64_encode(key.sign(claims.subject))}}}};
  http::Response r;
  try {
    r = client.send_ok(json_post(fulcio + "/api/v2/signingCert", req),
                       "if the status is 401 or 403 the identity token was refused or has expired (they last "
                       "minutes): get a fresh one, then relman resume");
  } catch (const http::Error& e) {
    throw StepError(fmt::format("Fulcio did not issue a signing certificate: {}", e.what()));
  }
  std::vector<rs::Certificate> chain;
  try {
    json j = json::parse(r.body);
    const json& certs = j.contains("signedCertificateEmbeddedSct")
                            ? j["signedCertificateEmbeddedSct"].at("chain").at("certificates")
                            : j.at("signedCertificateDetachedSct").at("chain").at("certificates");
    for (const auto& c : certs) chain.push_back(rs::Certificate::from_pem(c.get<std::string>()));
  } catch (const std::exception& e) {
    throw StepError(
        fmt::format("Fulcio's answer holds no usable certificate chain ({}); check 'fulcio_url'", e.what()));
  }
  if (chain.empty()) throw StepError("Fulcio's answer holds no certificate; check 'fulcio_url'");
  if (chain[0].public_key_der() != key.public_der())
    throw StepError("Fulcio's certificate is for another key than the one relman sent; check 'fulcio_url'");
  return chain;
}

// The log's entry made with `cert_der` for `digest_hex`, if there is one.
std::optional<json> find_entry(const http::Client& client, const std::string& rekor, const std::string& digest_hex,
                               const std::string& cert_der) {
  json uuids =
      json::parse(client.send_ok(json_post(rekor + "/api/v1/index/retrieve", {{"hash", "sha256:" + digest_hex}})).body);
  for (const auto& u : uuids) {
    json entry = client.get_json(rekor + "/api/v1/log/entries/" + u.get<std::string>());
    if (!entry.is_object() || entry.empty()) continue;
    json body = json::parse(rs::base64_decode(entry.begin().value().at("body").get<std::string>()));
    std::string pem = rs::base64_decode(body.at("spec").at("signature").at("publicKey").value("content", ""));
    if (rs::Certificate::from_pem(pem).der() == cert_der) return entry;
  }
  return std::nullopt;
}

std::string entry_signature(const json& entry) {
  json body = json::parse(rs::base64_decode(entry.begin().value().at("body").get<std::string>()));
  return rs::base64_decode(body.at("spec").at("signature").value("content", ""));
}

json post_entry(const http::Client& client, const std::string& rekor, const std::string& digest_hex,
                const std::string& signature, const rs::Certificate& cert) {
  json req = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"data", {{"hash", {{"algorithm", "sha256"}, {"value", digest_hex}}}}},
        {"signature",
         {{"content", rs::base64_encode(signature)}, {"publicKey", {{"content", rs::base64_encode(cert.pem())}}}}}}}};
  http::Response r;
  try {
    r = client.send(json_post(rekor + "/api/v1/log/entries", req));
  } catch (const http::Error& e) {
    throw StepError(
        fmt::format("Rekor did not answer ({}); the entry may be in the log: relman resume searches the "
                    "log for it before logging again",
                    e.what()));
  }
  try {
    if (r.status == 409) {
      std::string loc = r.header("location");
      if (loc.empty()) throw StepError("Rekor says the entry exists but does not say where; relman resume");
      if (loc.rfind("http", 0) != 0)
        loc = rekor + (loc.find("/api/") == std::string::npos ? loc : loc.substr(loc.find("/api/")));
      return client.get_json(loc);
    }
    if (!r.ok())
      throw StepError(fmt::format("Rekor refused the entry (HTTP {}: {}); check 'rekor_url', then relman resume",
                                  r.status, r.body.substr(0, 300)));
    json entry = json::parse(r.body);
    if (!entry.is_object() || entry.empty()) throw std::runtime_error("no entry in the answer");
    return entry;
  } catch (const StepError&) {
    throw;
  } catch (const std::exception& e) {
    throw StepError(
        fmt::format("Rekor's answer is unusable ({}); the entry may be in the log: relman resume "
                    "searches the log for it before logging again",
                    e.what()));
  }
}

std::string bundle_problem_for(const std::filesystem::path& file, const std::optional<ss::TrustRoot>& root,
                               const std::optional<ss::Signer>& signer) {
  auto path = bundle_of(file);
  if (!std::filesystem::exists(path)) return path.string() + " does not exist";
  json bundle;
  try {
    bundle = json::parse(durable::read_file(path));
  } catch (const std::exception& e) {
    return fmt::format("{} is not JSON: {}", path.string(), e.what());
  }
  std::string digest = rs::hex_decode(sha256_file(file));
  ss::Signer who = signer.value_or(ss::Signer{});
  std::string why = root ? ss::bundle_problem(bundle, *root, {digest, who.identity, who.issuer})
                         : ss::bundle_self_problem(bundle, digest);
  return why.empty() ? why : path.string() + ": " + why;
}

std::optional<ss::TrustRoot> trust_root_of(const ss::Instance& in) {
  if (!in.trusted_root) return std::nullopt;
  try {
    return ss::load_trust_root(*in.trusted_root);
  } catch (const std::exception& e) {
    throw StepError(e.what());
  }
}

// sigstore-python's --signature and --certificate files, which python.org's
// release page links when they exist (add_to_pydotorg.py): the signature in
// base64, the certificate in PEM.
void write_detached(const std::filesystem::path& file, const json& bundle) {
  const json& vm = bundle.at("verificationMaterial");
  std::string cert_der = rs::base64_decode(vm.at("certificate").at("rawBytes").get<std::string>());
  durable::write_atomic(file.string() + ".sig",
                        bundle.at("messageSignature").at("signature").get<std::string>() + "\n");
  durable::write_atomic(file.string() + ".crt", rs::Certificate::from_der(cert_der).pem());
}

json outputs_of(const std::vector<std::filesystem::path>& files, bool detached) {
  json bundles = json::array(), loose = json::array();
  std::string identity, issuer;
  for (const auto& f : files) {
    bundles.push_back(bundle_of(f).string());
    if (detached) loose.push_back(f.string() + ".sig"), loose.push_back(f.string() + ".crt");
    if (identity.empty()) try {
        json b = json::parse(durable::read_file(bundle_of(f)));
        auto cert = rs::Certificate::from_der(
            rs::base64_decode(b.at("verificationMaterial").at("certificate").at("rawBytes").get<std::string>()));
        identity = cert.identity();
        issuer = cert.oidc_issuer();
      } catch (const std::exception&) {
        // A bundle written by another tool (a certificate chain instead of a
        // certificate) verifies too; it just names no identity here.
      }
  }
  return {{"bundles", bundles}, {"detached", loose}, {"identity", identity}, {"issuer", issuer}};
}

class SigstoreSign final : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    std::vector<ParamSpec> specs = {
        {"files", ParamType::string_or_list, true, "files to sign, inside artifacts/ (the .sigstore goes beside each)"},
        {"fulcio_url", ParamType::string, false,
         "Fulcio (certificate authority) root; default https://fulcio.sigstore.dev"},
        {"rekor_url", ParamType::string, false, "Rekor (transparency log) root; default https://rekor.sigstore.dev"},
        {"token_env", ParamType::string, false,
         "environment variable (or credentials-file name) holding the OIDC identity token; default SIGSTORE_ID_TOKEN"},
        {"token_file", ParamType::string, false, "file holding the OIDC identity token (read, never copied)"},
        {"sign_in", ParamType::string, false,
         "auto (default): a token from the file, the variable or GitHub Actions, else at a terminal the browser "
         "sign-in; browser: always the browser sign-in (release-tools' --oidc-disable-ambient-providers); code: "
         "the sign-in with the code typed back (a browser on another machine); never: no sign-in"},
        {"oidc_issuer", ParamType::string, false,
         "the sign-in's OpenID Connect provider; default https://oauth2.sigstore.dev/auth"},
        {"oidc_client_id", ParamType::string, false, "the sign-in's client id; default sigstore"},
        {"sign_in_timeout", ParamType::integer, false, "seconds to wait for the browser's sign-in; default 300"},
        {"trusted_root", ParamType::string, false,
         "the instance's trusted_root.json; the probe verifies bundles against it"},
        {"detached", ParamType::boolean, false,
         "also write <file>.sig (base64) and <file>.crt (PEM), as sigstore-python's --signature/--certificate"},
    };
    for (auto& p : ss::signer_params()) specs.push_back(p);
    return specs;
  }
  std::vector<std::string> outputs() const override { return {"bundles", "detached", "identity", "issuer"}; }
  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    check_confined_param(with, "files", "artifacts/", problems);
    if (with.contains("sign_in") && with["sign_in"].is_string()) {
      const std::string m = with["sign_in"].get<std::string>();
      if (m.find("${") == std::string::npos && !known_sign_in(m))
        problems.push_back(fmt::format("'sign_in' is auto, browser, code or never, not '{}'", m));
    }
    return problems;
  }

  json run(StepContext& ctx) const override {
    auto files = files_to_sign(ctx);
    require_files_exist(files);
    const ss::Instance in = ss::instance_for(ctx);
    const auto root = trust_root_of(in);
    const auto signer = ss::expected_signer(ctx);
    const std::string& fulcio = in.fulcio;
    const std::string& rekor = in.rekor;
    const bool detached = ctx.with.value("detached", false);
    http::Client client(ss::client_options(ctx));

    std::vector<std::filesystem::path> todo;
    for (const auto& f : files) {
      if (!bundle_problem_for(f, root, signer).empty()) {
        todo.push_back(f);
        continue;
      }
      ctx.log->line(bundle_of(f).string() + " already verifies");
      // A kill between the detached files and the bundle cannot leave them
      // missing (they come first), but an older run without 'detached' can.
      if (detached && !(std::filesystem::exists(f.string() + ".sig") && std::filesystem::exists(f.string() + ".crt")))
        write_detached(f, json::parse(durable::read_file(bundle_of(f))));
    }
    if (todo.empty()) return outputs_of(files, detached);

    std::string token;
    if (in.standin) {
      // The rehearsal's stand-in certifies whoever the release expects: the
      // workflow's identity checks run unchanged against throwaway keys.
      ss::Signer who = signer.value_or(ss::kRehearsalSigner);
      token = ss::standin_token(who);
      ctx.add_secret(token, "the stand-in's identity token");
      ctx.log->line(
          fmt::format("rehearsal: signing against the sandbox's Sigstore stand-in at {} as {} ({}); "
                      "nothing outside the sandbox trusts its keys",
                      fulcio, who.identity, who.issuer));
    } else {
      token = identity_token(ctx, client, signer);
    }
    ss::TokenClaims claims;
    try {
      claims = ss::read_claims(token);
    } catch (const std::exception& e) {
      throw StepError(e.what());
    }
    // Before anything is logged for good: a token of the wrong person would
    // put a signature nobody can verify as the release's in the public log.
    if (signer && (claims.subject != signer->identity || claims.issuer != signer->issuer))
      throw StepError(fmt::format(
          "the identity token is for {} (issuer {}), but {} is to be signed by {} (issuer {}); sign in as that "
          "identity (a fresh token), or correct the workflow's 'identity'/'identities', then relman resume",
          claims.subject, claims.issuer, ctx.release.str(), signer->identity, signer->issuer));
    ctx.log->line(fmt::format("signing {} file(s) as {} (issuer {})", todo.size(), claims.subject, claims.issuer));

    size_t done = 0;
    for (const auto& f : todo) {
      std::string hex = sha256_file(f);
      std::string digest = rs::hex_decode(hex);
      std::string key = "certificate " + f.filename().string();
      std::optional<json> entry;
      std::string cert_der, signature;
      try {
        if (ctx.checkpoint.contains(key) && ctx.checkpoint[key].value("sha256", "") == hex) {
          cert_der = rs::base64_decode(ctx.checkpoint[key].value("certificate", ""));
          auto cert = rs::Certificate::from_der(cert_der);
          // An entry of another identity (the token changed since) is not this signature.
          if (cert.identity() == claims.subject && cert.oidc_issuer() == claims.issuer)
            entry = find_entry(client, rekor, hex, cert_der);
          if (entry) {
            signature = entry_signature(*entry);
            ctx.log->line(fmt::format("{}: the log already holds its entry (index {}); not logging it again",
                                      f.filename().string(), entry->begin().value().value("logIndex", -1)));
          }
        }
      } catch (const std::exception& e) {
        throw StepError(
            fmt::format("cannot search Rekor for an earlier entry of {} ({}); relman resume when it "
                        "answers",
                        f.filename().string(), e.what()));
      }
      if (!entry) {
        auto keypair = rs::KeyPair::generate();
        auto chain = request_certificate(client, fulcio, token, claims, keypair);
        cert_der = chain[0].der();
        ctx.log->line(fmt::format("{}: certificate for {} valid until {}", f.filename().string(), chain[0].identity(),
                                  chain[0].not_after()));
        signature = keypair.sign_digest(digest);
        ctx.save_checkpoint({{key, {{"sha256", hex}, {"certificate", rs::base64_encode(cert_der)}}}});
        entry = post_entry(client, rekor, hex, signature, chain[0]);
        ctx.log->line(
            fmt::format("{}: logged at index {}", f.filename().string(), entry->begin().value().value("logIndex", -1)));
      }
      json bundle;
      try {
        bundle = ss::bundle_from_entry(*entry, cert_der, digest, signature);
      } catch (const std::exception& e) {
        throw StepError(
            fmt::format("Rekor's entry for {} is unreadable ({}); check 'rekor_url'", f.filename().string(), e.what()));
      }
      std::string why = root ? ss::bundle_problem(bundle, *root, {digest, claims.subject, claims.issuer})
                             : ss::bundle_self_problem(bundle, digest);
      if (!why.empty())
        throw StepError(fmt::format("the bundle for {} does not verify: {}", f.filename().string(), why));
      // The detached files first: the bundle is what says the file is done.
      if (detached) write_detached(f, bundle);
      durable::write_atomic(bundle_of(f), bundle.dump() + "\n");
      ctx.log->line("wrote " + bundle_of(f).string() + (detached ? " (and .sig, .crt)" : ""));
      ctx.progress(fmt::format("signed {}/{}", ++done, todo.size()));
    }
    return outputs_of(files, detached);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto files = files_to_sign(ctx);
    std::optional<ss::TrustRoot> root;
    std::optional<ss::Signer> signer;
    try {
      root = trust_root_of(ss::instance_for(ctx));
      signer = ss::expected_signer(ctx);
    } catch (const StepError& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
    const bool detached = ctx.with.value("detached", false);
    for (const auto& f : files) {
      if (!std::filesystem::is_regular_file(f))
        return {ProbeResult::not_done, json::object(), f.string() + " is missing"};
      if (auto why = bundle_problem_for(f, root, signer); !why.empty())
        return {ProbeResult::not_done, json::object(), why};
      for (const char* ext : {".sig", ".crt"})
        if (detached && !std::filesystem::exists(f.string() + ext))
          return {ProbeResult::not_done, json::object(), f.string() + ext + " is missing"};
    }
    return {ProbeResult::done, outputs_of(files, detached),
            root ? "every file has a bundle that verifies against the trust root"
                 : "every file has a bundle whose signature and inclusion proof verify (no trusted_root to check the "
                   "keys against)"};
  }
};

}  // namespace

RELMAN_REGISTER_STEP(SigstoreSign, "sigstore.sign");

}  // namespace relman::steps
