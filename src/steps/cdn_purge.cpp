// cdn.purge: asks the CDN to drop its cached copies (HTTP PURGE, as Fastly
// and Varnish take it) so the new files are served at once.
#include <fmt/format.h>

#include "core/errors.h"
#include "steps/github_api.h"

namespace relman {
namespace {

class CdnPurge : public StepKind {
 public:
  std::string name() const override { return "cdn.purge"; }
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {{"urls", ParamType::string_or_list, true, "URLs to purge"}};
  }
  std::vector<std::string> outputs() const override { return {"purged"}; }

  json run(StepContext& ctx) const override {
    auto urls = ctx.list("urls");
    if (urls.empty()) throw StepError(fmt::format("step '{}': 'urls' is empty; name the URLs to purge", ctx.step_id));
    http::Client client;
    json purged = json::array();
    for (const auto& url : urls) {
      auto scheme = http::url_scheme(url);
      if (scheme != "http" && scheme != "https")
        throw StepError(fmt::format("step '{}': '{}' is not an http(s) URL", ctx.step_id, http::redact_url(url)));
      if (rehearsal::redirect(ctx, url)) {
        rehearsal::write_outbox(ctx, "PURGE " + http::redact_url(url),
                                {{"kind", "cdn.purge"}, {"method", "PURGE"}, {"url", http::redact_url(url)}});
      } else {
        http::Request req;
        req.method = "PURGE";
        req.url = url;
        try {
          auto resp = client.send_ok(req, "check the URL is served by the CDN and purging is allowed from here, then `relman resume`");
          ctx.log->line(fmt::format("PURGE {}: HTTP {}", http::redact_url(url), resp.status));
        } catch (const http::Error& e) {
          throw StepError(fmt::format("step '{}': {}", ctx.step_id, e.what()));
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
}  // namespace relman
