// pydotorg.release: the release's page on python.org, through its downloads
// API as release-tools' add_to_pydotorg.py speaks it: one Release object
// ("Python X.Y.Z"), then one ReleaseFile per download, each with its size,
// checksums and the URLs of its signatures and SBOM. Every object is looked up
// before it is created, so a run killed at any point and resumed makes the
// release once and each file once.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "adapters/credentials.h"
#include "core/errors.h"
#include "steps/download_folder.h"
#include "steps/github_api.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultApi = "https://www.python.org/api/v1/";
constexpr const char* kDefaultTokenEnv = "PYTHON_ORG_AUTH";

struct FileKind {
  std::regex pattern;
  std::string name;  // the record's "name", as the download page shows it
  std::string os;    // the OS object's slug
  bool download_button = false;
  std::string description;
};

// add_to_pydotorg.py's get_file_descriptions, in its order: the first match
// wins, so "-amd64.exe" comes before the plain ".exe".
std::vector<FileKind> file_kinds(const Version& v) {
  std::string macos = v.at_least(3, 14) ? "for macOS 10.15 and later" : "for macOS 10.13 and later";
  return {
      {std::regex(R"(\.tgz$)"), "Gzipped source tarball", "source", false, ""},
      {std::regex(R"(\.tar\.xz$)"), "XZ compressed source tarball", "source", true, ""},
      {std::regex(R"(windows-.+\.json)"), "Windows release manifest", "windows", false,
       fmt::format("Install with 'py install {}.{}'", v.major, v.minor)},
      {std::regex(R"(-embed-amd64\.zip$)"), "Windows embeddable package (64-bit)", "windows", false, ""},
      {std::regex(R"(-embed-arm64\.zip$)"), "Windows embeddable package (ARM64)", "windows", false, ""},
      {std::regex(R"(-arm64\.exe$)"), "Windows installer (ARM64)", "windows", false, "Experimental"},
      {std::regex(R"(-amd64\.exe$)"), "Windows installer (64-bit)", "windows", true, "Recommended"},
      {std::regex(R"(-embed-win32\.zip$)"), "Windows embeddable package (32-bit)", "windows", false, ""},
      {std::regex(R"(\.exe$)"), "Windows installer (32-bit)", "windows", false, ""},
      {std::regex(R"(-macos(x)?1[1-9](\.[0-9]*)?\.pkg$)"), "macOS installer", "macos", true, macos},
      {std::regex(R"(-aarch64-linux-android.tar.gz$)"), "Android embeddable package (aarch64)", "android", false, ""},
      {std::regex(R"(-x86_64-linux-android.tar.gz$)"), "Android embeddable package (x86_64)", "android", false, ""},
      {std::regex(R"(-iOS-XCframework.tar.gz$)"), "iOS XCframework", "ios", false, ""},
  };
}

std::string base_version(const Version& v) { return fmt::format("{}.{}.{}", v.major, v.minor, v.micro); }

std::string without_dots(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '.'), s.end());
  return s;
}

// add_to_pydotorg's slug_for: "3120" for 3.12.0, "3120-rc1" for 3.12.0rc1.
std::string files_slug(const Version& v) {
  std::string base = base_version(v), full = v.str();
  std::string rest = full.substr(base.size());
  return without_dots(base) + (rest.empty() ? "" : "-" + rest);
}

// add_to_pydotorg's make_slug: spaces become '-', then only [A-Za-z0-9_-].
std::string make_slug(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ') c = '-';
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') out += c;
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

struct Download {
  std::string file;
  const FileKind* kind;
  FileFacts facts;
  const std::set<std::string>* neighbours;  // the names in its folder: its signatures and SBOM
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The names python.org lists, as add_to_pydotorg's list_files picks them:
// signatures and SBOMs ride on their file's record; a name without the
// project's (or windows-) prefix or for another version is no download.
std::vector<std::pair<std::string, const FileKind*>> listed(const StepContext& ctx, const std::vector<FileKind>& kinds,
                                                            const std::string& project,
                                                            const std::set<std::string>& names) {
  const std::string release = ctx.release.str();
  std::vector<std::pair<std::string, const FileKind*>> out;
  for (const auto& name : names) {
    if (ends_with(name, ".asc") || ends_with(name, ".sig") || ends_with(name, ".crt") || ends_with(name, ".sigstore") ||
        ends_with(name, ".spdx.json"))
      continue;
    auto dash = name.find('-');
    if (dash == std::string::npos) continue;
    std::string prefix = lower(name.substr(0, dash)), rest = name.substr(dash + 1);
    if (prefix != lower(project) && prefix != "windows") continue;
    if (rest.rfind(release + "-", 0) != 0 && rest.rfind(release + ".", 0) != 0) {
      ctx.log->line(fmt::format("{} is for another version: not listed", name));
      continue;
    }
    auto kind =
        std::find_if(kinds.begin(), kinds.end(), [&](const FileKind& k) { return std::regex_search(name, k.pattern); });
    if (kind == kinds.end()) {
      ctx.log->line(fmt::format("{} is not a kind of download python.org lists: not listed", name));
      continue;
    }
    out.emplace_back(name, &*kind);
  }
  return out;
}

// The downloads: the run's artifacts (the tarballs), then what else the
// public folder holds (the experts' installers), each file once.
std::vector<Download> downloads(StepContext& ctx, const std::vector<FileKind>& kinds, const std::string& project,
                                std::set<std::string>& artifact_names, std::set<std::string>& folder_names) {
  DownloadFolder artifacts(ctx, ctx.artifacts_dir.string());
  for (const auto& n : artifacts.names()) artifact_names.insert(n);
  std::vector<Download> out;
  for (const auto& [name, kind] : listed(ctx, kinds, project, artifact_names))
    out.push_back({name, kind, artifacts.facts(name), &artifact_names});
  if (!ctx.has("folder") || ctx.str("folder").empty()) return out;
  const std::string url = ctx.str("folder");
  const bool local = is_local_folder(url);
  if (!local && rehearsal::redirect(ctx, url)) {
    ctx.log->line(fmt::format("rehearsal: would list the installers in {} too", http::redact_url(url)));
    return out;
  }
  DownloadFolder folder(ctx, url);
  for (const auto& n : folder.names()) folder_names.insert(n);
  std::set<std::string> others;
  for (const auto& n : folder_names)
    if (!artifact_names.count(n)) others.insert(n);
  for (const auto& [name, kind] : listed(ctx, kinds, project, others)) {
    ctx.log->line(fmt::format("{}: in {}", name, local ? url : http::redact_url(url)));
    out.push_back({name, kind, folder.facts(name), &folder_names});
  }
  return out;
}

// The ReleaseFile fields for one download (add_to_pydotorg's build_file_dict,
// with the MD5 python.org also shows). `os_uri` and `release_uri` are the
// API's resource URIs.
json file_record(const StepContext& ctx, const Download& d, const std::string& files_url, const std::string& os_uri,
                 const std::string& release_uri) {
  json r = {
      {"name", d.kind->name},
      {"slug", files_slug(ctx.release) + "-" + make_slug(d.kind->name).substr(0, 40)},
      {"os", os_uri},
      {"release", release_uri},
      {"description", d.kind->description},
      {"is_source", d.kind->os == "source"},
      {"url", files_url + d.file},
      {"sha256_sum", d.facts.sha256},
      {"md5_sum", d.facts.md5},
      {"filesize", d.facts.size},
      {"download_button", d.kind->download_button},
  };
  const std::pair<const char*, const char*> beside[] = {{".asc", "gpg_signature_file"},
                                                        {".sig", "sigstore_signature_file"},
                                                        {".crt", "sigstore_cert_file"},
                                                        {".sigstore", "sigstore_bundle_file"},
                                                        {".spdx.json", "sbom_spdx2_file"}};
  for (const auto& [suffix, field] : beside)
    if (d.neighbours->count(d.file + suffix)) r[field] = files_url + d.file + suffix;
  return r;
}

// The part of `existing` that `wanted` speaks of already says the same.
bool same(const json& wanted, const json& existing) {
  for (const auto& [k, v] : wanted.items())
    if (!existing.contains(k) || existing[k] != v) return false;
  return true;
}

std::string with_slash(std::string s) {
  if (s.empty() || s.back() != '/') s += '/';
  return s;
}

// Talks to the downloads API: JSON, the ApiKey header, errors with advice.
class Api {
 public:
  Api(const StepContext& ctx, std::string base, std::string auth, std::string token_env)
      : base_(std::move(base)),
        host_(base_.substr(0, base_.find('/', base_.find("//") + 2))),
        auth_(std::move(auth)),
        token_env_(std::move(token_env)),
        client_(rehearsal::http_options(ctx)) {}

  // The first object of `type` matching the query, or nothing.
  std::optional<json> find(const std::string& type, const std::string& query) const {
    auto objs = list(type, query);
    if (objs.empty()) return std::nullopt;
    return objs.front();
  }

  // Every object of `type` matching the query, following the pages.
  std::vector<json> list(const std::string& type, const std::string& query) const {
    std::vector<json> out;
    std::string url = base_ + "downloads/" + type + "/?" + query + "&limit=0";
    for (int page = 0; page < 100 && !url.empty(); ++page) {
      json body = call("GET", url, {}, "looking up");
      if (!body.is_object() || !body.contains("objects") || !body["objects"].is_array())
        throw StepError(
            fmt::format("GET {} did not answer {{\"objects\": [...]}}; check that `api` is python.org's "
                        "downloads API (…/api/v1/)",
                        http::redact_url(url)));
      for (const auto& o : body["objects"]) out.push_back(o);
      auto next = body.value("meta", json::object()).value("next", json());
      url = next.is_string() && !next.get<std::string>().empty() ? host_ + next.get<std::string>() : "";
    }
    return out;
  }

  // POSTs a new object and returns its resource URI; nullopt when the answer
  // never came (the object may exist: the caller looks again).
  std::optional<std::string> create(const std::string& type, const json& body) const {
    http::Request req = request("POST", base_ + "downloads/" + type + "/", body);
    http::Response resp;
    try {
      resp = client_.send(req);
    } catch (const http::Error& e) {
      if (e.uncertain() || e.status() == 0) return std::nullopt;
      throw StepError(fmt::format("creating the {} failed: {}", type, e.what()));
    }
    if (resp.status == 201 || resp.status == 200) {
      std::string loc = resp.header("location");
      if (!loc.empty()) {
        auto path = loc.find("://") == std::string::npos ? loc : http::url_path(loc);
        return path;
      }
      try {
        auto j = json::parse(resp.body);
        if (j.contains("resource_uri") && j["resource_uri"].is_string()) return j["resource_uri"].get<std::string>();
      } catch (const json::exception&) {
      }
      throw StepError(
          fmt::format("python.org created the {} but named no Location; look it up on the admin, then "
                      "`relman resume` (the step finds it)",
                      type));
    }
    if (resp.status >= 500) return std::nullopt;  // it may have stored it before failing
    fail("POST", req.url, resp);
  }

  // PUTs `body` over the object at `uri` (a resource URI).
  void update(const std::string& uri, const json& body) const { call("PUT", host_ + uri, body, "updating"); }

 private:
  http::Request request(const std::string& method, const std::string& url, const json& body) const {
    http::Request req;
    req.method = method;
    req.url = url;
    req.headers = {"Authorization: ApiKey " + auth_, "Accept: application/json"};
    if (!body.is_null()) {
      req.headers.push_back("Content-Type: application/json");
      req.body = body.dump();
    }
    return req;
  }

  json call(const std::string& method, const std::string& url, const json& body, const std::string& doing) const {
    http::Request req = request(method, url, body);
    http::Response resp;
    try {
      resp = client_.send(req);
    } catch (const http::Error& e) {
      throw StepError(fmt::format("{} on python.org failed: {}", doing, e.what()));
    }
    if (!resp.ok()) fail(method, url, resp);
    if (resp.body.empty()) return json::object();
    try {
      return json::parse(resp.body);
    } catch (const json::exception&) {
      throw StepError(
          fmt::format("{} {} answered something that is not JSON; check that `api` is python.org's "
                      "downloads API (…/api/v1/)",
                      method, http::redact_url(url)));
    }
  }

  [[noreturn]] void fail(const std::string& method, const std::string& url, const http::Response& resp) const {
    std::string excerpt = resp.body.substr(0, 200);
    std::replace(excerpt.begin(), excerpt.end(), '\n', ' ');
    std::string what = fmt::format("{} {} failed: HTTP {}", method, http::redact_url(url), resp.status);
    if (!excerpt.empty()) what += " (" + excerpt + ")";
    if (resp.status == 401 || resp.status == 403)
      throw StepError(
          fmt::format("{}; python.org refused the API key: put \"username:api_key\" (from your "
                      "python.org account's API key page) in {} or the credentials file, then "
                      "`relman resume`",
                      what, token_env_));
    throw StepError(
        fmt::format("{}; fix the cause, then `relman resume` (the step looks up what it made before "
                    "creating anything)",
                    what));
  }

  std::string base_;
  std::string host_;  // scheme://host[:port], for the API's resource URIs
  std::string auth_;
  std::string token_env_;
  http::Client client_;
};

class PydotorgRelease : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {
        {"files_url", ParamType::string, true,
         "the release's folder on the downloads server (…/ftp/python/X.Y.Z/): each file's URL is this plus its name"},
        {"api", ParamType::string, false, "python.org's downloads API (default https://www.python.org/api/v1/)"},
        {"token_env", ParamType::string, false,
         "environment variable (or credentials file entry) holding \"username:api_key\" (default PYTHON_ORG_AUTH)"},
        {"publish", ParamType::boolean, false, "is_published: the page is public (default true)"},
        {"show_on_download_page", ParamType::boolean, false, "listed on /downloads/ (default true)"},
        {"release_notes_url", ParamType::string, false, "the changelog's URL (default: none)"},
        {"release_page", ParamType::string, false, "resource URI of a CMS page for the release (default: none)"},
        {"project", ParamType::string, false,
         "the release is \"PROJECT X.Y.Z\", its files PROJECT-X.Y.Z.* (default Python)"},
        {"folder", ParamType::string, false,
         "the public release folder (sftp://USER@HOST/PATH/ or a local folder) where the experts placed the "
         "installers: their records are made too, as add_to_pydotorg.py lists that folder"},
        {"key", ParamType::string, false,
         "sftp: the SSH private key file (default: $RELMAN_SSH_KEY, else the ssh agent)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"release", "slug", "files"}; }

  json run(StepContext& ctx) const override {
    const std::string api = with_slash(ctx.str("api", kDefaultApi));
    auto scheme = http::url_scheme(api);
    if (scheme != "http" && scheme != "https")
      throw StepError(fmt::format("'api' is {}, not an http(s) URL; give python.org's downloads API (…/api/v1/)",
                                  http::redact_url(api)));
    const std::string files_url = with_slash(ctx.str("files_url"));
    const Version& v = ctx.release;
    const std::string project = ctx.str("project", "Python");
    const std::string name = project + " " + v.str();
    const std::string slug = make_slug(lower(name));
    json release = {
        {"name", name},
        {"slug", slug},
        {"version", v.major},
        {"is_published", ctx.flag("publish", true)},
        {"pre_release", v.level != ReleaseLevel::final},
        {"show_on_download_page", ctx.flag("show_on_download_page", true)},
        {"release_notes_url", ctx.str("release_notes_url", "")},
        {"release_page", ctx.has("release_page") ? json(ctx.str("release_page")) : json()},
    };
    auto kinds = file_kinds(v);
    std::set<std::string> artifact_names, folder_names;
    auto files = downloads(ctx, kinds, project, artifact_names, folder_names);
    if (files.empty())
      throw StepError(
          fmt::format("no download for {} in {}: python.org lists {}-{}.tgz, .tar.xz and the "
                      "installers; run the export step first",
                      v.str(), ctx.artifacts_dir.string(), project, v.str()));
    json urls = json::array();
    for (const auto& f : files) urls.push_back(files_url + f.file);
    json out = {{"release", ""}, {"slug", slug}, {"files", urls}};

    if (rehearsal::redirect(ctx, api)) {
      json records = json::array();
      for (const auto& f : files)
        records.push_back(file_record(ctx, f, files_url, "(os " + f.kind->os + ")", "(the release)"));
      rehearsal::write_outbox(
          ctx, fmt::format("create {} and its {} files on {}", name, files.size(), http::redact_url(api)),
          {{"kind", "pydotorg.release"},
           {"method", "POST"},
           {"url", http::redact_url(api) + "downloads/release/"},
           {"body", release},
           {"files", records}});
      return out;
    }

    const std::string token_env = ctx.str("token_env", kDefaultTokenEnv);
    std::optional<std::string> auth;
    try {
      auth = credentials::lookup(token_env);
    } catch (const std::exception& e) {
      throw StepError(e.what());
    }
    if (!auth) throw StepError(fmt::format("no python.org API key: {}", credentials::missing_advice(token_env)));
    ctx.add_secret(*auth, token_env);
    auto colon = auth->find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == auth->size())
      throw StepError(
          fmt::format("{} must be \"username:api_key\", as python.org's API key page shows them; fix "
                      "it, then `relman resume`",
                      token_env));
    ctx.add_secret(auth->substr(colon + 1), token_env);
    Api client(ctx, api, *auth, token_env);

    const std::string by_name = "name=" + github::encode(name);
    std::string release_uri;
    if (auto found = client.find("release", by_name)) {
      release_uri = found->value("resource_uri", "");
      if (same(release, *found)) {
        ctx.log->line(fmt::format("{} exists ({}) and says the same", name, release_uri));
      } else {
        client.update(release_uri, release);
        ctx.log->line(fmt::format("{} exists ({}): updated", name, release_uri));
      }
    } else {
      auto made = client.create("release", release);
      if (!made) {
        // The answer was lost: the object may exist. Only a look-up can tell.
        auto again = client.find("release", by_name);
        if (!again)
          throw StepError(
              fmt::format("creating {} got no answer and python.org does not have it; `relman resume` "
                          "looks it up again before creating it",
                          name));
        made = again->value("resource_uri", "");
      }
      release_uri = *made;
      ctx.log->line(fmt::format("{} created ({})", name, release_uri));
    }
    if (release_uri.empty())
      throw StepError(fmt::format("python.org's answer for {} has no resource_uri; check `api`", name));
    out["release"] = release_uri;

    std::map<std::string, std::string> os_uris;
    for (const auto& f : files) {
      if (os_uris.count(f.kind->os)) continue;
      auto os = client.find("os", "slug=" + github::encode(f.kind->os));
      if (!os) throw StepError(fmt::format("python.org has no OS \"{}\" (for {}); check `api`", f.kind->os, f.file));
      os_uris[f.kind->os] = os->value("resource_uri", "");
    }

    const std::string by_release = "release=" + github::encode(id_of(release_uri));
    std::map<std::string, json> existing;
    for (const auto& r : client.list("release_file", by_release))
      if (r.contains("url") && r["url"].is_string()) existing[r["url"].get<std::string>()] = r;
    int created = 0, updated = 0, kept = 0;
    for (const auto& f : files) {
      json record = file_record(ctx, f, files_url, os_uris[f.kind->os], release_uri);
      const std::string url = record["url"];
      if (auto it = existing.find(url); it != existing.end()) {
        if (same(record, it->second)) {
          ++kept;
          continue;
        }
        client.update(it->second.value("resource_uri", ""), record);
        ctx.log->line(fmt::format("{}: updated", f.file));
        ++updated;
        continue;
      }
      if (!client.create("release_file", record)) {
        bool there = false;
        for (const auto& r : client.list("release_file", by_release)) there = there || r.value("url", "") == url;
        if (!there)
          throw StepError(
              fmt::format("creating the record of {} got no answer and python.org does not have it; "
                          "`relman resume` looks again before creating it",
                          f.file));
      }
      ctx.log->line(fmt::format("{}: created", f.file));
      ++created;
    }
    ctx.log->line(
        fmt::format("{} files: {} created, {} updated, {} already there", files.size(), created, updated, kept));
    return out;
  }

  ProbeOutcome probe(StepContext&) const override {
    // run() looks up the release and every file before creating it, so
    // running it again after a crash is what finds out (and finishes).
    return {ProbeResult::not_done, json::object(), "the step looks up what exists before creating anything"};
  }

 private:
  // "/api/v1/downloads/release/42/" -> "42", as add_to_pydotorg filters by it.
  static std::string id_of(const std::string& uri) {
    std::string s = uri;
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s.substr(s.rfind('/') + 1);
  }
};

RELMAN_REGISTER_STEP(PydotorgRelease, "pydotorg.release");

}  // namespace
}  // namespace relman::steps
