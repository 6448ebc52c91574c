// What the GitHub step kinds share: the `api`, `repo` and `token_env`
// parameters, authenticated JSON calls with advice on the usual failures, and
// how a rehearsal redirects remote effects (outbox, uploads directory).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "adapters/http.h"
#include "core/step_kind.h"

namespace relman::steps::github {

// The parameters every GitHub step accepts.
std::vector<ParamSpec> common_params();

class Api {
 public:
  // Reads `api`, `repo` and `token_env` from ctx.with and looks the token up
  // (environment, then credentials file), registering it as a secret. A
  // missing token is an error only when `token_required`.
  Api(StepContext& ctx, bool token_required);

  const std::string& base() const { return base_; }
  const std::string& repo() const { return repo_; }
  bool has_token() const { return token_.has_value(); }
  // base + "/repos/" + repo + path ("/commits/main/status").
  std::string repo_url(const std::string& path) const;
  std::vector<std::string> headers() const;  // Accept, API version, Authorization
  const http::Client& client() const { return client_; }

  // GET repo_url(path) as JSON; HTTP errors become StepError with advice.
  json get(const std::string& path) const;
  // GET a list endpoint, following Link rel="next" up to `max_pages`;
  // `key` names the array in an object answer ("check_runs"), "" for arrays.
  std::vector<json> get_all(const std::string& path, const std::string& key, int max_pages = 10) const;
  // POST JSON; returns the status (204 for dispatches).
  long post(const std::string& path, const json& body) const;
  // Downloads an absolute URL (artifact zips) with the token.
  void download(const std::string& url, const std::filesystem::path& dest) const;

 private:
  std::string base_;
  std::string repo_;
  std::string token_env_;
  std::optional<std::string> token_;
  http::Client client_;
};

// "what went wrong; what to do" for a failed GitHub call.
[[noreturn]] void fail(const std::string& doing, const http::Error& e, const std::string& token_env);

// Percent-encodes a path segment or query value.
std::string encode(const std::string& s);

// UTC "YYYY-MM-DDTHH:MM:SSZ", the form GitHub uses, so strings compare.
std::string utc_now();

}  // namespace relman::steps::github

namespace relman::steps::rehearsal {

// True when this step must not reach `url` for real: a rehearsal aimed at a
// host that is not loopback.
bool redirect(const StepContext& ctx, const std::string& url);
// The HTTP options for a step that sends something: in a rehearsal it may
// connect to loopback addresses only, whatever a redirect says.
http::Options http_options(const StepContext& ctx);
// ctx.sandbox.outbox, else <state>/sandbox/outbox; created.
std::filesystem::path outbox_dir(const StepContext& ctx);
// ctx.sandbox.uploads, else <state>/sandbox/uploads; created.
std::filesystem::path uploads_dir(const StepContext& ctx);
// Writes `message` as <outbox>/<step>-<n>.json and logs
// "rehearsal: would <what> (written to outbox/<file>)". Returns the path.
std::filesystem::path write_outbox(const StepContext& ctx, const std::string& what, const json& message);

}  // namespace relman::steps::rehearsal
