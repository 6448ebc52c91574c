#include "steps/github_api.h"

#include <cctype>
#include <ctime>
#include <regex>

#include <fmt/format.h>

#include "adapters/credentials.h"
#include "adapters/durable.h"
#include "core/errors.h"

namespace relman::steps::github {

std::vector<ParamSpec> common_params() {
  return {
      {"api", ParamType::string, false, "GitHub API root (default https://api.github.com)"},
      {"repo", ParamType::string, true, "owner/name of the GitHub repository"},
      {"token_env", ParamType::string, false,
       "environment variable (or credentials-file name) holding the token; default GITHUB_TOKEN"},
  };
}

Api::Api(StepContext& ctx, bool token_required)
    : base_(ctx.str("api", "https://api.github.com")),
      repo_(ctx.str("repo")),
      token_env_(ctx.str("token_env", "GITHUB_TOKEN")) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  // A rehearsal aimed at a loopback stand-in stays on loopback (a redirect
  // elsewhere is refused); one that reads the real API only reads it.
  if (ctx.mode == RunMode::rehearse && http::is_loopback(base_)) client_ = http::Client(rehearsal::http_options(ctx));
  if (repo_.find('/') == std::string::npos || repo_.front() == '/' || repo_.back() == '/')
    throw StepError(fmt::format("parameter 'repo' must be owner/name, got '{}'", repo_));
  try {
    token_ = credentials::lookup(token_env_);
  } catch (const std::exception& e) {
    throw StepError(fmt::format("{}", e.what()));
  }
  if (token_) ctx.add_secret(*token_);
  if (!token_ && token_required)
    throw StepError(fmt::format("no GitHub token: {}; the token needs the `actions: write` permission on {}",
                                credentials::missing_advice(token_env_), repo_));
  if (!token_)
    ctx.log->line(fmt::format("no token in {}: calling {} unauthenticated (lower rate limits)", token_env_, base_));
}

std::string Api::repo_url(const std::string& path) const { return base_ + "/repos/" + repo_ + path; }

std::vector<std::string> Api::headers() const {
  std::vector<std::string> h = {"Accept: application/vnd.github+json", "X-GitHub-Api-Version: 2022-11-28"};
  if (token_) h.push_back("Authorization: Bearer " + *token_);
  return h;
}

void fail(const std::string& doing, const http::Error& e, const std::string& token_env) {
  std::string advice;
  switch (e.status()) {
    case 401:
      advice = fmt::format("the token in {} was refused: renew it and set it again", token_env);
      break;
    case 403:
      advice = fmt::format(
          "forbidden or rate-limited: check the token in {} has access to the repository (and wait for the rate limit "
          "to reset)",
          token_env);
      break;
    case 404:
      advice = "not found: check `repo`, the ref or workflow name, and that the token can see the repository";
      break;
    case 422:
      advice =
          "GitHub refused the request: check the ref exists on GitHub and the workflow has a workflow_dispatch trigger "
          "with these inputs";
      break;
    default:
      break;
  }
  std::string msg = fmt::format("{}: {}", doing, e.what());
  if (!advice.empty()) msg += "; " + advice;
  if (e.uncertain()) throw UncertainError(msg);
  throw StepError(msg);
}

json Api::get(const std::string& path) const {
  try {
    return client_.get_json(repo_url(path), headers());
  } catch (const http::Error& e) {
    fail("GitHub API call failed", e, token_env_);
  }
}

std::vector<json> Api::get_all(const std::string& path, const std::string& key, int max_pages) const {
  std::vector<json> out;
  std::string url = repo_url(path);
  static const std::regex next_re(R"(<([^>]+)>\s*;\s*rel="next")");
  for (int page = 0; page < max_pages && !url.empty(); ++page) {
    http::Request req;
    req.url = url;
    req.headers = headers();
    http::Response resp;
    json body;
    try {
      resp = client_.send_ok(req);
      body = json::parse(resp.body);
    } catch (const http::Error& e) {
      fail("GitHub API call failed", e, token_env_);
    } catch (const json::exception& e) {
      throw StepError(fmt::format("GET {} did not return JSON ({}); check `api`", http::redact_url(url), e.what()));
    }
    const json& items = key.empty() ? body : body.value(key, json::array());
    if (!items.is_array())
      throw StepError(fmt::format("GET {}: unexpected answer (no list '{}'); check `api`", http::redact_url(url), key));
    for (const auto& i : items) out.push_back(i);
    std::smatch m;
    std::string link = resp.header("link");
    url = std::regex_search(link, m, next_re) ? m[1].str() : std::string();
  }
  return out;
}

long Api::post(const std::string& path, const json& body) const {
  try {
    auto h = headers();
    return client_.post_json(repo_url(path), body, h).status;
  } catch (const http::Error& e) {
    fail("GitHub API call failed", e, token_env_);
  }
}

void Api::download(const std::string& url, const std::filesystem::path& dest) const {
  try {
    auto h = headers();
    // Only send the token to the API's own host; a redirect elsewhere drops
    // it anyway (libcurl), this also covers absolute URLs on other hosts.
    if (http::url_host(url) != http::url_host(base_)) h.pop_back();
    client_.download(url, dest, h);
  } catch (const http::Error& e) {
    fail("downloading an artifact failed", e, token_env_);
  }
}

std::string encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace relman::steps::github

namespace relman::steps::rehearsal {

bool redirect(const StepContext& ctx, const std::string& url) {
  return ctx.mode == RunMode::rehearse && !http::is_loopback(url);
}

http::Options http_options(const StepContext& ctx) {
  http::Options o = http::Options::from_env();
  o.loopback_only = ctx.mode == RunMode::rehearse;
  return o;
}

std::filesystem::path outbox_dir(const StepContext& ctx) {
  auto dir = ctx.sandbox.outbox.empty() ? ctx.state_dir / "sandbox" / "outbox" : ctx.sandbox.outbox;
  durable::create_directories_durable(dir);
  return dir;
}

std::filesystem::path uploads_dir(const StepContext& ctx) {
  auto dir = ctx.sandbox.uploads.empty() ? ctx.state_dir / "sandbox" / "uploads" : ctx.sandbox.uploads;
  durable::create_directories_durable(dir);
  return dir;
}

std::filesystem::path write_outbox(const StepContext& ctx, const std::string& what, const json& message) {
  auto dir = outbox_dir(ctx);
  std::string text = message.dump(2) + "\n";
  std::filesystem::path path;
  // The same message written again (a retried step) reuses its file.
  for (int n = 1;; ++n) {
    path = dir / fmt::format("{}-{}.json", ctx.step_id, n);
    if (!std::filesystem::exists(path)) {
      durable::write_atomic(path, text);
      break;
    }
    if (durable::read_file(path) == text) break;
  }
  ctx.log->line(fmt::format("rehearsal: would {} (written to outbox/{})", what, path.filename().string()));
  return path;
}

}  // namespace relman::steps::rehearsal
