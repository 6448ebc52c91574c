// announce: renders the release announcement into artifacts/announce.md (and
// any other texts, the blog's and the mailing list's, beside it) and, in a
// real run, posts it once: as a new Discourse topic through Discourse's API,
// or to a webhook. The files are the record of what was said; a rehearsal
// produces the same files and an outbox message instead.
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "adapters/durable.h"
#include "adapters/sha256.h"
#include "core/confine.h"
#include "core/errors.h"
#include "steps/discourse_api.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultTemplate =
    "# {{project}} {{version}}\n"
    "\n"
    "{{project}} {{long_name}} is out ({{kind}} release).\n"
    "\n"
    "## Files\n"
    "\n"
    "{{artifacts}}\n"
    "{{links}}";

struct Artifact {
  std::string name;
  std::uintmax_t size = 0;
  std::string sha256;
};

// Files relman itself keeps in artifacts/ that are not part of the release:
// the texts this step writes among them.
bool bookkeeping(const StepContext& ctx, const std::string& name) {
  if (ctx.has("texts") && ctx.with["texts"].is_object() && ctx.with["texts"].contains(name)) return true;
  return name == "announce.md" || name == "junit.xml" || name == "rehearsal-signing-key.asc";
}

// The files listed in artifacts/SHA256SUMS (checked against the files), else
// every regular file at the top of artifacts/ but relman's own.
std::vector<Artifact> artifacts_of(const StepContext& ctx) {
  std::vector<Artifact> out;
  auto sums = ctx.artifacts_dir / "SHA256SUMS";
  if (fs::is_regular_file(sums)) {
    for (const auto& entry : read_sha256sums(sums)) {
      Artifact a{entry.name, 0, entry.sha256};
      auto path = ctx.artifacts_dir / a.name;
      if (!fs::is_regular_file(path))
        throw StepError(fmt::format(
            "SHA256SUMS lists {} but artifacts/{} does not exist; re-run the step that makes it", a.name, a.name));
      if (sha256_file(path) != a.sha256)
        throw StepError(
            fmt::format("artifacts/{} does not match SHA256SUMS; it changed after the checksums were "
                        "made: re-run the checksum step (and the signatures), then `relman resume`",
                        a.name));
      a.size = fs::file_size(path);
      out.push_back(a);
    }
    return out;
  }
  for (const auto& e : fs::directory_iterator(ctx.artifacts_dir)) {
    if (!e.is_regular_file() || bookkeeping(ctx, e.path().filename().string())) continue;
    out.push_back({e.path().filename().string(), e.file_size(), sha256_file(e.path())});
  }
  std::sort(out.begin(), out.end(), [](const Artifact& a, const Artifact& b) { return a.name < b.name; });
  return out;
}

std::string human(std::uintmax_t n) {
  if (n >= 10'000'000) return fmt::format("{:.1f} MB", n / 1e6);
  if (n >= 10'000) return fmt::format("{:.1f} kB", n / 1e3);
  return fmt::format("{} bytes", n);
}

std::string title_of(const StepContext& ctx) {
  if (ctx.has("title")) return ctx.str("title");
  return fmt::format("{} {} is now available", ctx.str("project", "Python"), ctx.release.str());
}

std::string render(const StepContext& ctx, const std::string& tmpl) {
  std::string table = "| File | Size | SHA-256 |\n|---|---|---|\n";
  auto arts = artifacts_of(ctx);
  for (const auto& a : arts) table += fmt::format("| {} | {} | `{}` |\n", a.name, human(a.size), a.sha256);
  if (arts.empty()) table = "(no files)\n";
  std::string links;
  if (ctx.has("links") && ctx.with["links"].is_object()) {
    links = "## Links\n\n";
    for (const auto& [k, v] : ctx.with["links"].items())
      links += fmt::format("- [{}]({})\n", k, v.is_string() ? v.get<std::string>() : v.dump());
  }
  std::map<std::string, std::string> vars = {
      {"version", ctx.release.str()},
      {"long_name", ctx.release.long_name()},
      {"kind", ctx.release.kind_name()},
      {"branch", ctx.release.branch()},
      {"artifacts", table},
      {"links", links},
      {"project", ctx.str("project", "Python")},
      {"title", title_of(ctx)},
  };
  std::string out;
  size_t pos = 0;
  while (true) {
    auto open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    auto close = tmpl.find("}}", open);
    if (close == std::string::npos) break;
    std::string key = tmpl.substr(open + 2, close - open - 2);
    auto b = key.find_first_not_of(' '), e = key.find_last_not_of(' ');
    key = b == std::string::npos ? "" : key.substr(b, e - b + 1);
    auto it = vars.find(key);
    if (it == vars.end())
      throw StepError(
          fmt::format("the template uses {{{{{}}}}}, which is not known; use one of version, "
                      "long_name, kind, branch, project, title, artifacts, links",
                      key));
    out += tmpl.substr(pos, open - pos) + it->second;
    pos = close + 2;
  }
  return out + tmpl.substr(pos);
}

std::string template_text(const StepContext& ctx, const std::string& t) {
  // Inline text has a line break or a placeholder; anything else is a path,
  // and a missing path is an error rather than a one-line announcement.
  if (t.find('\n') != std::string::npos || t.find("{{") != std::string::npos) return t;
  auto path = ctx.repo_path(t);
  if (!fs::is_regular_file(path))
    throw StepError(
        fmt::format("template file {} does not exist; fix the path (relative to the repository) or "
                    "give the text inline",
                    path.string()));
  return durable::read_file(path);
}

std::string template_of(const StepContext& ctx) {
  // Empty is the default too, so a workflow's var can leave it unset.
  if (!ctx.has("template") || ctx.str("template").empty()) return kDefaultTemplate;
  return template_text(ctx, ctx.str("template"));
}

// The other texts (`texts`: file name -> template), written beside
// announce.md for whoever posts them by hand (the blog, the mailing list).
json render_texts(const StepContext& ctx) {
  json files = json::array();
  if (!ctx.has("texts")) return files;
  if (!ctx.with["texts"].is_object())
    throw StepError("'texts' must map a file name in artifacts/ to its template, e.g. {blog.md: templates/blog.md}");
  for (const auto& [name, tmpl] : ctx.with["texts"].items()) {
    if (!tmpl.is_string())
      throw StepError(fmt::format("texts.{} must be a template (a file or inline text), not {}", name, tmpl.dump()));
    if (tmpl.get<std::string>().empty()) continue;  // a workflow's var left empty: no such text
    auto path = confine_path(ctx, ctx.artifacts_dir, name, "artifacts/");
    if (path.filename() == "announce.md")
      throw StepError("texts may not name announce.md, which holds the announcement itself; choose another name");
    std::string text = render(ctx, template_text(ctx, tmpl.get<std::string>()));
    durable::create_directories_durable(path.parent_path());
    durable::write_atomic(path, text);
    ctx.log->line(fmt::format("rendered {} ({} bytes)", path.string(), text.size()));
    files.push_back(path.string());
  }
  return files;
}

// A destination left empty (a workflow's var) is no destination.
bool given(const StepContext& ctx, const std::string& key) { return ctx.has(key) && !ctx.str(key, "").empty(); }

struct DiscourseSettings {
  std::string base;
  std::string title;
  long long category = 0;
  std::vector<std::string> tags;
  std::string username;
  std::string key_env;
};

DiscourseSettings discourse_settings(const StepContext& ctx) {
  DiscourseSettings d;
  d.base = ctx.str("discourse");
  d.title = title_of(ctx);
  if (!ctx.has("category"))
    throw StepError(
        "a Discourse post needs `category`, the category's number (the N in https://FORUM/c/NAME/N); "
        "give the step's category");
  d.category = ctx.integer("category", 0);
  if (d.category <= 0) throw StepError("category must be a category's number (the N in https://FORUM/c/NAME/N)");
  d.tags = ctx.has("tags") ? ctx.list("tags") : std::vector<std::string>{};
  d.username = ctx.str("api_username", "");
  d.key_env = ctx.str("api_key_env", "DISCOURSE_API_KEY");
  return d;
}

// A real run's post: at most once. A topic with the same title in the
// category is the announcement already (an earlier attempt whose answer was
// lost, or a hand); otherwise the start is journaled before the POST, so a
// crash during it is settled by the probe's look for the topic, or by the
// release manager.
json post_to_discourse(StepContext& ctx, const std::string& text, json out) {
  const auto d = discourse_settings(ctx);
  std::string base = d.base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string endpoint = base + "/posts.json";
  if (rehearsal::redirect(ctx, base)) {
    json post = {{"title", d.title}, {"raw", text}, {"category", d.category}, {"tags", d.tags}};
    rehearsal::write_outbox(ctx, "post the announcement to " + http::redact_url(endpoint),
                            {{"kind", "announce"},
                             {"method", "POST"},
                             {"url", http::redact_url(endpoint)},
                             {"headers", {"Api-Username: " + d.username}},
                             {"body", post}});
    return out;
  }
  if (ctx.checkpoint.value("posted", false)) {
    ctx.log->line("already posted by an earlier attempt; not posting twice");
    out["posted"] = true;
    out["url"] = ctx.checkpoint.value("url", "");
    return out;
  }
  discourse::Api api(ctx, base, d.key_env, d.username);
  if (auto topic = api.find(d.title, d.category)) {
    ctx.log->line(fmt::format("\"{}\" is already on Discourse ({}); not posting again", d.title, topic->url));
    ctx.save_checkpoint({{"posted", true}, {"url", topic->url}, {"texts", out["texts"]}});
    out["posted"] = true;
    out["url"] = topic->url;
    return out;
  }
  ctx.save_checkpoint({{"post_started", true}, {"texts", out["texts"]}});
  auto topic = api.create({d.title, text, d.category, d.tags});
  ctx.save_checkpoint({{"posted", true}, {"url", topic.url}});
  ctx.log->line(fmt::format("POST {}: announced as {}", http::redact_url(endpoint), topic.url));
  out["posted"] = true;
  out["url"] = topic.url;
  return out;
}

class Announce : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {
        {"template", ParamType::string, false,
         "template file (relative to the repository) or inline text with {{placeholders}}"},
        {"webhook", ParamType::string, false, "URL the announcement is POSTed to in a real run"},
        {"links", ParamType::map, false, "title -> URL, listed under Links"},
        {"project", ParamType::string, false, "project name (default Python)"},
        {"texts", ParamType::map, false,
         "other texts to render into artifacts/: file name -> template (file or inline), e.g. the blog post"},
        {"discourse", ParamType::string, false,
         "root URL of the Discourse forum the announcement becomes a topic of in a real run"},
        {"title", ParamType::string, false, "the topic's title (default \"PROJECT VERSION is now available\")"},
        {"category", ParamType::integer, false, "discourse: the category's number (the N in /c/NAME/N)"},
        {"tags", ParamType::string_or_list, false, "discourse: the topic's tags"},
        {"api_username", ParamType::string, false, "discourse: the user the API key acts as (Api-Username)"},
        {"api_key_env", ParamType::string, false,
         "discourse: environment variable (or credentials-file name) holding the API key; default "
         "DISCOURSE_API_KEY"},
    };
  }
  std::vector<std::string> outputs() const override { return {"file", "posted", "texts", "url"}; }

  json run(StepContext& ctx) const override {
    if (given(ctx, "webhook") && given(ctx, "discourse"))
      throw StepError("give either `webhook` or `discourse`, not both: the announcement is posted once");
    std::string text = render(ctx, template_of(ctx));
    auto file = ctx.artifacts_dir / "announce.md";
    durable::write_atomic(file, text);
    ctx.log->line(fmt::format("rendered {} ({} bytes)", file.string(), text.size()));
    json out = {{"file", file.string()}, {"posted", false}, {"texts", render_texts(ctx)}, {"url", ""}};
    if (given(ctx, "discourse")) return post_to_discourse(ctx, text, out);
    if (!given(ctx, "webhook")) return out;
    std::string hook = ctx.str("webhook");
    json message = {{"text", text}, {"version", ctx.release.str()}, {"kind", ctx.release.kind_name()}};
    if (ctx.mode == RunMode::rehearse && !http::is_loopback(hook)) {
      rehearsal::write_outbox(
          ctx, "POST the announcement to " + http::redact_url(hook),
          {{"kind", "announce"}, {"method", "POST"}, {"url", http::redact_url(hook)}, {"body", message}});
      return out;
    }
    if (ctx.checkpoint.value("posted", false)) {
      ctx.log->line("already posted by an earlier attempt; not posting twice");
      out["posted"] = true;
      return out;
    }
    ctx.save_checkpoint({{"post_started", true}});
    try {
      http::Client(rehearsal::http_options(ctx)).post_json(hook, message);
    } catch (const http::Error& e) {
      std::string msg = fmt::format(
          "posting the announcement failed: {}; announce.md is ready, so you may "
          "post it by hand and `relman skip {}`",
          e.what(), ctx.step_id);
      if (e.uncertain()) throw UncertainError(msg);
      throw StepError(msg);
    }
    ctx.save_checkpoint({{"posted", true}});
    ctx.log->line(fmt::format("POST {}: announced", http::redact_url(hook)));
    out["posted"] = true;
    return out;
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    json out = {{"file", (ctx.artifacts_dir / "announce.md").string()},
                {"posted", true},
                {"texts", ctx.checkpoint.value("texts", json::array())},
                {"url", ctx.checkpoint.value("url", "")}};
    if (ctx.checkpoint.value("posted", false)) return {ProbeResult::done, out, "the server accepted it"};
    if (given(ctx, "discourse") && !rehearsal::redirect(ctx, ctx.str("discourse"))) {
      // The topic itself says whether a post made it, whatever the
      // checkpoint knows: a kill between Discourse's answer and the
      // checkpoint leaves it posted.
      try {
        auto d = discourse_settings(ctx);
        discourse::Api api(ctx, d.base, d.key_env, d.username);
        if (auto topic = api.find(d.title, d.category)) {
          out["url"] = topic->url;
          return {ProbeResult::done, out, "the topic is on Discourse: " + topic->url};
        }
      } catch (const std::exception& e) {
        if (ctx.checkpoint.value("post_started", false))
          return {ProbeResult::unknown, json::object(),
                  fmt::format("relman stopped while posting and cannot look for the topic ({}): look at the "
                              "category; if the announcement is there, `relman skip` this step, otherwise `relman "
                              "retry` it",
                              e.what())};
        return {ProbeResult::not_done, json::object(), "nothing was posted"};
      }
    }
    if (ctx.checkpoint.value("post_started", false))
      return {ProbeResult::unknown, json::object(),
              "relman stopped while posting: look at the channel; if the announcement is there, `relman skip` this "
              "step, otherwise `relman retry` it"};
    return {ProbeResult::not_done, json::object(), "nothing was posted"};
  }
};

RELMAN_REGISTER_STEP(Announce, "announce");

}  // namespace
}  // namespace relman::steps
