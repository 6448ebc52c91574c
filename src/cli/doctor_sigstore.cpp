#include "cli/doctor_sigstore.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "adapters/credentials.h"

namespace relman::cli {

namespace {

using R = Check::Result;
using json = nlohmann::json;

std::string text(const StepDef& s, const char* key, const std::string& fallback = "") {
  if (!s.with.contains(key) || !s.with[key].is_string()) return fallback;
  std::string v = s.with[key].get<std::string>();
  return v.empty() ? fallback : v;
}

bool unresolved(const std::string& v) { return v.find("${") != std::string::npos; }

void check_identity_source(const PreflightInput& in, const StepDef& s, std::vector<Check>& out) {
  const std::string what = "sigstore identity (" + s.id + ")";
  const std::string mode = text(s, "sign_in", "auto");
  const bool terminal = ::isatty(0) && ::isatty(1);
  const std::string issuer = text(s, "oidc_issuer", "https://oauth2.sigstore.dev/auth");
  if (mode == "browser" || mode == "code") {
    if (terminal)
      out.push_back(
          {what, R::ok, fmt::format("you sign in through {} at the terminal (sign_in: {})", issuer, mode), {}});
    else
      out.push_back({what, R::warn, fmt::format("sign_in: {} needs a terminal, and this one has none", mode),
                     "run the release at a terminal, or give a token in SIGSTORE_ID_TOKEN"});
    return;
  }
  if (s.with.contains("token_file") && s.with["token_file"].is_string()) {
    std::filesystem::path p = s.with["token_file"].get<std::string>();
    if (p.is_relative()) p = in.repo / p;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec) && std::filesystem::file_size(p, ec) > 0)
      out.push_back({what, R::ok, "a token in " + p.string(), {}});
    else out.push_back({what, R::fail, p.string() + " is missing or empty", "write a fresh identity token there"});
    return;
  }
  const std::string env = text(s, "token_env", "SIGSTORE_ID_TOKEN");
  std::optional<std::string> token;
  try {
    token = credentials::lookup(env);
  } catch (const std::exception& e) {
    out.push_back({what, R::fail, e.what(), credentials::missing_advice(env)});
    return;
  }
  if (token && !token->empty()) {
    out.push_back({what, R::ok, "a token in " + env + " (tokens last minutes: set it just before the run)", {}});
    return;
  }
  const char* ambient = std::getenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  if (ambient && *ambient) {
    out.push_back({what, R::ok, "GitHub Actions' OIDC provider", {}});
    return;
  }
  if (mode != "never" && terminal) {
    out.push_back({what, R::ok, fmt::format("you sign in through {} at the terminal", issuer), {}});
    return;
  }
  out.push_back({what, mode == "never" ? R::fail : R::warn,
                 fmt::format("no token in {}, no GitHub Actions OIDC{}", env, mode == "never" ? "" : ", no terminal"),
                 fmt::format("run the release at a terminal to sign in through the browser, or {}",
                             credentials::missing_advice(env))});
}

void check_signer(const PreflightInput& in, const StepDef& s, std::vector<Check>& out) {
  const std::string what = "sigstore signer (" + s.id + ")";
  std::string identity = text(s, "identity"), issuer = text(s, "issuer");
  if (unresolved(identity) || unresolved(issuer)) return;
  if (identity.empty() && s.with.contains("identities") && s.with["identities"].is_object()) {
    const json& table = s.with["identities"];
    const std::string xy = in.version.major_minor();
    if (!table.contains(xy) || !table[xy].is_array() || table[xy].size() != 2) {
      out.push_back({what, R::fail, fmt::format("no release manager's identity for Python {} in 'identities'", xy),
                     fmt::format("add \"{}\": [EMAIL, OIDC_ISSUER] to the workflow, or pass --var "
                                 "sigstore_identity=EMAIL --var sigstore_issuer=ISSUER",
                                 xy)});
      return;
    }
    identity = table[xy][0].get<std::string>();
    issuer = table[xy][1].get<std::string>();
  }
  if (identity.empty()) return;  // anyone may sign: nothing to check here
  out.push_back({what,
                 R::ok,
                 fmt::format("{} ({}): sign in as this identity, a token of anyone else is refused", identity, issuer),
                 {}});
}

void check_trusted_root(const PreflightInput& in, const StepDef& s, std::vector<Check>& out) {
  const std::string what = "sigstore trust root (" + s.id + ")";
  const std::string root = text(s, "trusted_root");
  if (unresolved(root)) return;
  const std::string fix =
      "download the instance's trusted_root.json (for the public instance, the one `sigstore` or `cosign` fetched "
      "through Sigstore's TUF repository) and pass it with --var sigstore_trusted_root=PATH";
  if (root.empty()) {
    out.push_back({what, R::fail, "none given: a real run cannot verify the bundles before pushing", fix});
    return;
  }
  std::filesystem::path p = root;
  if (p.is_relative()) p = in.repo / p;
  std::ifstream f(p);
  json j = f ? json::parse(f, nullptr, false) : json();
  if (!f || j.is_discarded() || !j.is_object()) {
    out.push_back({what, R::fail, p.string() + " is missing or not JSON", fix});
    return;
  }
  auto count = [&](const char* key) { return j.contains(key) && j[key].is_array() ? j[key].size() : 0; };
  if (count("certificateAuthorities") == 0 || count("tlogs") == 0) {
    out.push_back({what, R::fail, p.string() + " names no certificate authority or no transparency log", fix});
    return;
  }
  out.push_back({what,
                 R::ok,
                 fmt::format("{}: {} certificate authorities, {} logs", p.string(), count("certificateAuthorities"),
                             count("tlogs")),
                 {}});
}

}  // namespace

void check_sigstore(const PreflightInput& in, const std::vector<StepDef>& steps, std::vector<Check>& out) {
  for (const StepDef& s : steps) {
    if (s.uses == "sigstore.sign") {
      check_identity_source(in, s, out);
      check_signer(in, s, out);
    } else if (s.uses == "sigstore.verify") {
      check_trusted_root(in, s, out);
    }
  }
}

}  // namespace relman::cli
