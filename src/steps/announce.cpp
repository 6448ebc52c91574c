// announce: renders the release announcement into artifacts/announce.md and,
// in a real run, posts it to a webhook. The file is the record of what was
// said; a rehearsal produces the same file and an outbox message instead.
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "adapters/durable.h"
#include "adapters/sha256.h"
#include "core/errors.h"
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

// Files relman itself keeps in artifacts/ that are not part of the release.
bool bookkeeping(const std::string& name) {
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
    if (!e.is_regular_file() || bookkeeping(e.path().filename().string())) continue;
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
                      "long_name, kind, branch, project, artifacts, links",
                      key));
    out += tmpl.substr(pos, open - pos) + it->second;
    pos = close + 2;
  }
  return out + tmpl.substr(pos);
}

std::string template_of(const StepContext& ctx) {
  if (!ctx.has("template")) return kDefaultTemplate;
  std::string t = ctx.str("template");
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
    };
  }
  std::vector<std::string> outputs() const override { return {"file", "posted"}; }

  json run(StepContext& ctx) const override {
    std::string text = render(ctx, template_of(ctx));
    auto file = ctx.artifacts_dir / "announce.md";
    durable::write_atomic(file, text);
    ctx.log->line(fmt::format("rendered {} ({} bytes)", file.string(), text.size()));
    json out = {{"file", file.string()}, {"posted", false}};
    if (!ctx.has("webhook")) return out;
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
    json out = {{"file", (ctx.artifacts_dir / "announce.md").string()}, {"posted", true}};
    if (ctx.checkpoint.value("posted", false)) return {ProbeResult::done, out, "the webhook accepted it"};
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
