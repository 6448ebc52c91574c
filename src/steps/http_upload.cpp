// http.upload: puts release files on a server (HTTP(S) PUT, or SFTP through
// libssh2 with the host key checked against known_hosts) and reads every
// file back: an upload is done only when the remote bytes hash like the
// local ones, so a transfer cut off half-way never counts as done.
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <set>

#include "adapters/durable.h"
#include "adapters/sftp.h"
#include "adapters/sha256.h"
#include "core/confine.h"
#include "core/errors.h"
#include "steps/github_api.h"
#include "steps/sftp_common.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

struct Target {
  fs::path local;
  std::string url;
  std::uintmax_t size = 0;
  std::string sha256;
};

struct Remote {
  std::uintmax_t size = 0;
  std::string sha256;
};

std::string encode_name(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || std::string_view("-_.~+").find(static_cast<char>(c)) != std::string_view::npos)
      out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::vector<Target> targets_of(const StepContext& ctx) {
  std::string url = ctx.str("url");
  auto files = ctx.list("files");
  if (files.empty()) throw StepError("'files' is empty; name the files to upload");
  auto scheme = http::url_scheme(url);
  if (scheme != "http" && scheme != "https" && scheme != "sftp")
    throw StepError(fmt::format("url '{}' must start with https://, http:// or sftp://", http::redact_url(url)));
  bool dir = url.ends_with("/");
  if (!dir && files.size() != 1)
    throw StepError(fmt::format("{} files but url '{}' names one file; end the url with '/' to upload into a directory",
                                files.size(), http::redact_url(url)));
  std::vector<Target> out;
  for (const auto& f : files) {
    Target t;
    t.local = ctx.artifact_path(f);
    if (!fs::is_regular_file(t.local))
      throw StepError(
          fmt::format("{} does not exist; did the step that makes it succeed? Then `relman resume`", t.local.string()));
    t.url = dir ? url + encode_name(t.local.filename().string()) : url;
    t.size = fs::file_size(t.local);
    t.sha256 = sha256_file(t.local);
    out.push_back(std::move(t));
  }
  return out;
}

// Where a rehearsal puts what would go to `url`: uploads/<host>/<path>,
// and never anywhere else (a host or a path segment of "..", a host with a
// '/', are refused).
fs::path sandbox_path(const StepContext& ctx, const std::string& url) {
  const std::string host = http::url_host(url);
  const bool host_ok = !host.empty() && host != "." && host != ".." &&
                       host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_:") == std::string::npos;
  if (!host_ok)
    throw StepError(
        fmt::format("url '{}' has no usable host name ('{}'); give the server's name, e.g. "
                    "https://www.python.org/ftp/python/",
                    http::redact_url(url), host));
  fs::path rel = fs::path(http::url_path(url)).relative_path();
  for (const auto& part : rel)
    if (part == "..") throw StepError(fmt::format("url '{}' contains '..'", http::redact_url(url)));
  return confine_path(ctx, rehearsal::uploads_dir(ctx), (fs::path(host) / rel).string(),
                      "the rehearsal's uploads directory");
}

// The remote file's size and hash, or nothing when it is absent. The read
// is bounded by what the local file is: a body larger than `expected` is
// not read on (it differs), and a slow one ends at the deadline its size
// allows.
std::optional<Remote> remote_state(const StepContext& ctx, const http::Client& client, const std::string& url,
                                   std::uintmax_t expected) {
  if (rehearsal::redirect(ctx, url)) {
    auto p = sandbox_path(ctx, url);
    if (!fs::is_regular_file(p)) return std::nullopt;
    return Remote{fs::file_size(p), sha256_file(p)};
  }
  std::optional<Sha256> hash;
  std::uintmax_t size = 0;
  http::Request req;
  req.url = url;
  req.sink_begin = [&] {
    hash.emplace();
    size = 0;
  };
  req.sink = [&](std::string_view chunk) {
    hash->update(chunk);
    size += chunk.size();
  };
  http::Response resp;
  try {
    // One byte more than expected is enough to tell the file differs.
    resp = http::Client(client.options().streaming(expected + 1)).send(req);
  } catch (const http::Error& e) {
    if (e.limit() == http::Limit::body_size) {
      ctx.log->line(fmt::format("{} is larger than the local file: {}", http::redact_url(url), e.what()));
      return Remote{expected + 1, "(larger than the local file; not read)"};
    }
    throw StepError(fmt::format("reading back {} failed: {}", http::redact_url(url), e.what()));
  }
  if (resp.status == 404 || resp.status == 410) return std::nullopt;
  if (!resp.ok())
    throw StepError(
        fmt::format("reading back {} failed: HTTP {}; check the server allows GET on what it "
                    "stores (and the credentials), then `relman resume`",
                    http::redact_url(url), resp.status));
  return Remote{size, hash->hex()};
}

bool same(const Target& t, const std::optional<Remote>& r) { return r && r->size == t.size && r->sha256 == t.sha256; }

json outputs_of(const std::vector<Target>& ts) {
  json urls = json::array(), sizes = json::array(), sums = json::array();
  for (const auto& t : ts) {
    urls.push_back(http::redact_url(t.url));
    sizes.push_back(t.size);
    sums.push_back(t.sha256);
  }
  return {{"urls", urls}, {"sizes", sizes}, {"sha256", sums}};
}

void copy_into_sandbox(const StepContext& ctx, const Target& t) {
  auto dest = sandbox_path(ctx, t.url);
  durable::create_directories_durable(dest.parent_path());
  auto tmp = durable::temp_path_for(dest);
  fs::copy_file(t.local, tmp, fs::copy_options::overwrite_existing);
  durable::fsync_path(tmp);
  fs::rename(tmp, dest);
  durable::fsync_path(dest.parent_path());
  ctx.log->line(fmt::format("rehearsal: would upload {} to {} (copied to {})", t.local.filename().string(),
                            http::redact_url(t.url), dest.string()));
}

// The SFTP side: one session for all files; each file is written under a
// hidden temporary name in the target directory and renamed into place once
// complete, so the final name never holds a partial file. Modes and group
// follow release-tools' place_files_in_download_folder (files 664, the
// directory 775, group `downloads` when asked), changed only when they
// differ: on a shared folder only the owner may change them.
struct SftpSettings {
  std::string key;
  std::string group;
  unsigned file_mode = 0664;
  unsigned dir_mode = 0775;
};

SftpSettings sftp_settings(const StepContext& ctx) {
  return {ctx.str("key", ""), ctx.str("group", ""), sftp_common::mode_param(ctx, "file_mode", 0664),
          sftp_common::mode_param(ctx, "dir_mode", 0775)};
}

bool is_sftp(const StepContext& ctx, const std::string& url) {
  return http::url_scheme(url) == "sftp" && !rehearsal::redirect(ctx, url);
}

std::unique_ptr<sftp::Session> sftp_open(const StepContext& ctx, const std::string& url) {
  return sftp_common::open(ctx, url, sftp_settings(ctx).key);
}

std::optional<Remote> sftp_state(sftp::Session& s, const std::string& url, std::uintmax_t expected) {
  const auto path = sftp::parse_url(url).path;
  auto st = s.stat(path);
  if (!st) return std::nullopt;
  // A size that differs settles it without reading the file.
  if (st->size != expected) return Remote{st->size, "(size differs; not read)"};
  return Remote{st->size, s.sha256(path)};
}

void sftp_upload_all(const StepContext& ctx, const std::vector<Target>& targets) {
  const auto settings = sftp_settings(ctx);
  auto session = sftp_open(ctx, targets.front().url);
  try {
    std::set<std::string> dirs;
    for (const auto& t : targets) {
      const std::string shown = http::redact_url(t.url);
      const std::string path = sftp::parse_url(t.url).path;
      const std::string dir = fs::path(path).parent_path().string();
      if (dirs.insert(dir).second) {
        session->mkdirs(dir, settings.dir_mode);
        sftp_common::set_permissions(*session, dir, settings.dir_mode, settings.group, ctx);
      }
      if (same(t, sftp_state(*session, t.url, t.size))) {
        ctx.log->line(fmt::format("{} already holds the same {} bytes; not uploading again", shown, t.size));
      } else {
        const std::string name = t.local.filename().string();
        // Hidden, and named after the file: a later run overwrites what a
        // cut connection left instead of piling up debris.
        const std::string tmp = (fs::path(dir) / ("." + name + ".relman-part")).string();
        ctx.log->line(fmt::format("SFTP {} ({} bytes, via {})", shown, t.size, tmp));
        int last = -1;
        session->write(t.local, tmp, [&](std::uint64_t done, std::uint64_t total) {
          int pct = total ? static_cast<int>(done * 100 / total) : 0;
          if (pct == last) return;
          last = pct;
          ctx.progress(fmt::format("{} {}% {:.1f}/{:.1f} MB", name, pct, done / 1e6, total / 1e6));
        });
        auto st = session->stat(tmp);
        if (!st || st->size != t.size)
          throw StepError(fmt::format("{} holds {} bytes after the transfer, not {}; `relman resume` sends it again",
                                      tmp, st ? st->size : 0, t.size));
        session->rename(tmp, path);
      }
      sftp_common::set_permissions(*session, path, settings.file_mode, settings.group, ctx);
      auto back = sftp_state(*session, t.url, t.size);
      if (!same(t, back))
        throw StepError(
            fmt::format("{} reads back as {} (sha256 {}) but the local file is {} bytes (sha256 {}); "
                        "`relman resume` uploads it again",
                        shown, back ? fmt::format("{} bytes", back->size) : std::string("missing"),
                        back ? back->sha256 : std::string("-"), t.size, t.sha256));
      ctx.log->line(fmt::format("{}: {} bytes, sha256 {} verified", shown, t.size, t.sha256));
    }
  } catch (const sftp::Error& e) {
    throw StepError(
        fmt::format("{}; `relman resume` continues (a partial file stays under its temporary name only)", e.what()));
  }
}

class HttpUpload : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {
        {"url", ParamType::string, true,
         "target: a directory URL ending in '/' or one file's URL; https://, http:// or sftp://"},
        {"files", ParamType::string_or_list, true, "files to upload, relative to artifacts/ unless absolute"},
        {"key", ParamType::string, false,
         "sftp: the SSH private key file (default: $RELMAN_SSH_KEY, else the ssh agent)"},
        {"group", ParamType::string, false,
         "sftp: the group (name or gid) the directory and files get, e.g. downloads"},
        {"file_mode", ParamType::string, false, "sftp: octal mode of each uploaded file (default 664)"},
        {"dir_mode", ParamType::string, false, "sftp: octal mode of the target directory (default 775)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"urls", "sizes", "sha256"}; }

  json run(StepContext& ctx) const override {
    auto targets = targets_of(ctx);
    if (is_sftp(ctx, targets.front().url)) {
      sftp_upload_all(ctx, targets);
      return outputs_of(targets);
    }
    http::Client client(rehearsal::http_options(ctx));
    for (const auto& t : targets) {
      const std::string shown = http::redact_url(t.url);
      if (same(t, remote_state(ctx, client, t.url, t.size))) {
        ctx.log->line(fmt::format("{} already holds the same {} bytes; not uploading again", shown, t.size));
        continue;
      }
      if (rehearsal::redirect(ctx, t.url)) {
        copy_into_sandbox(ctx, t);
      } else {
        ctx.log->line(fmt::format("PUT {} ({} bytes)", shown, t.size));
        http::Request req;
        req.method = "PUT";
        req.url = t.url;
        req.upload_file = t.local;
        req.headers = {"Content-Type: application/octet-stream"};
        int last = -1;
        std::string name = t.local.filename().string();
        req.progress = [&](std::uint64_t done, std::uint64_t total) {
          int pct = total ? static_cast<int>(done * 100 / total) : 0;
          if (pct == last) return;
          last = pct;
          ctx.progress(fmt::format("{} {}% {:.1f}/{:.1f} MB", name, pct, done / 1e6, total / 1e6));
        };
        try {
          // The time a file of this size needs; the answer stays API-sized.
          http::Options put = client.options().streaming(t.size);
          put.max_body_bytes = client.options().max_body_bytes;
          http::Client(put).send_ok(req, "check the URL and the server's permissions, then `relman resume`");
        } catch (const http::Error& e) {
          throw StepError(fmt::format("upload of {} failed: {}", name, e.what()));
        }
      }
      auto back = remote_state(ctx, client, t.url, t.size);
      if (!same(t, back))
        throw StepError(fmt::format(
            "{} reads back as {} (sha256 {}) but the local file is {} bytes (sha256 {}); the server did not "
            "store what was sent: check its disk and any rewriting proxy, then `relman resume` uploads it again",
            shown, back ? fmt::format("{} bytes", back->size) : std::string("missing"),
            back ? back->sha256 : std::string("-"), t.size, t.sha256));
      ctx.log->line(fmt::format("{}: {} bytes, sha256 {} verified", shown, t.size, t.sha256));
    }
    return outputs_of(targets);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    try {
      auto targets = targets_of(ctx);
      if (is_sftp(ctx, targets.front().url)) {
        auto session = sftp_open(ctx, targets.front().url);
        for (const auto& t : targets)
          if (!same(t, sftp_state(*session, t.url, t.size)))
            return {ProbeResult::not_done, json::object(), http::redact_url(t.url) + " does not hold the same bytes"};
        return {ProbeResult::done, outputs_of(targets), "every file is already there with the same sha256"};
      }
      http::Client client(rehearsal::http_options(ctx));
      for (const auto& t : targets)
        if (!same(t, remote_state(ctx, client, t.url, t.size)))
          return {ProbeResult::not_done, json::object(), http::redact_url(t.url) + " does not hold the same bytes"};
      return {ProbeResult::done, outputs_of(targets), "every file is already there with the same sha256"};
    } catch (const std::exception& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
  }
};

RELMAN_REGISTER_STEP(HttpUpload, "http.upload");

}  // namespace
}  // namespace relman::steps
