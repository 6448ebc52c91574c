// cdn.purge: asks the CDN to drop its cached copies (HTTP PURGE, as Fastly
// and Varnish take it) so the new files are served at once.
#include <fmt/format.h>

#include <optional>

#include "adapters/credentials.h"
#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

class CdnPurge : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {{"urls", ParamType::string_or_list, true, "URLs to purge"},
            {"token_env", ParamType::string, false,
             "environment variable (or credentials file entry) holding the CDN's purge key; none: unauthenticated"},
            {"auth_header", ParamType::string, false, "header that carries the key (default Fastly-Key)"}};
  }
  std::vector<std::string> outputs() const override { return {"purged"}; }

  json run(StepContext& ctx) const override {
    auto urls = ctx.list("urls");
    if (urls.empty()) throw StepError("'urls' is empty; name the URLs to purge");
    http::Client client(rehearsal::http_options(ctx));
    // The key is read only when a purge really goes out: a rehearsal, whose
    // purges go to the outbox, needs no production secret.
    std::vector<std::string> headers;
    bool key_read = false;
    auto read_key = [&] {
      if (key_read || !ctx.has("token_env")) return;
      key_read = true;
      const std::string env = ctx.str("token_env");
      std::optional<std::string> key;
      try {
        key = credentials::lookup(env);
      } catch (const std::exception& e) {
        throw StepError(fmt::format("{}", e.what()));
      }
      if (!key) throw StepError(fmt::format("no purge key: {}", credentials::missing_advice(env)));
      ctx.add_secret(*key);
      headers.push_back(ctx.str("auth_header", "Fastly-Key") + ": " + *key);
    };
    json purged = json::array();
    for (const auto& url : urls) {
      auto scheme = http::url_scheme(url);
      if (scheme != "http" && scheme != "https")
        throw StepError(fmt::format("'{}' is not an http(s) URL", http::redact_url(url)));
      if (rehearsal::redirect(ctx, url)) {
        rehearsal::write_outbox(ctx, "PURGE " + http::redact_url(url),
                                {{"kind", "cdn.purge"}, {"method", "PURGE"}, {"url", http::redact_url(url)}});
      } else {
        read_key();
        http::Request req;
        req.method = "PURGE";
        req.url = url;
        req.headers = headers;
        try {
          auto resp =
              client.send_ok(req, headers.empty() ? "check the URL is served by the CDN and purging is allowed "
                                                    "from here (or give the step a token_env), then `relman resume`"
                                                  : "check the URL is served by the CDN and the purge key is "
                                                    "valid, then `relman resume`");
          ctx.log->line(fmt::format("PURGE {}: HTTP {}", http::redact_url(url), resp.status));
        } catch (const http::Error& e) {
          throw StepError(fmt::format("{}", e.what()));
        }
      }
      purged.push_back(http::redact_url(url));
    }
    return {{"purged", purged}};
  }

  ProbeOutcome probe(StepContext&) const override {
    // Purging twice is harmless and a cache cannot be asked what it dropped.
    return {ProbeResult::not_done, json::object(), "purging again is harmless"};
  }
};

RELMAN_REGISTER_STEP(CdnPurge, "cdn.purge");

}  // namespace
}  // namespace relman::steps
