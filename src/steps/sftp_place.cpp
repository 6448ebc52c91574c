// sftp.place: the server-side move after an upload to a staging folder, as
// release-tools' place_files_in_download_folder does it: the files go from
// the release manager's staging folder to the public one on the same server
// (/srv/www.python.org/ftp/python/X.Y.Z/), which gets the group and the
// modes the downloads need. Only SFTP operations: a rename when both folders
// share a file system, else a copy through the channel to a hidden name and
// a rename, so the public name never shows a partial file. A file already
// there with the local artifact's size and sha256 is left alone.
#include <fmt/format.h>

#include "adapters/sha256.h"
#include "core/errors.h"
#include "steps/github_api.h"
#include "steps/sftp_common.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

struct File {
  std::string name;
  std::uintmax_t size = 0;
  std::string sha256;
};

struct Settings {
  std::string url;  // the staging folder, sftp://
  std::string staging;
  std::string to;
  std::vector<File> files;
  std::string key;
  std::string group;
  unsigned file_mode = 0664;
  unsigned dir_mode = 0775;
};

std::string dir_of(const std::string& p) {
  std::string d = p;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d;
}

Settings settings_of(const StepContext& ctx) {
  Settings s;
  s.url = ctx.str("url");
  if (http::url_scheme(s.url) != "sftp")
    throw StepError(
        fmt::format("url '{}' must be the staging folder as sftp://USER@HOST/PATH/", http::redact_url(s.url)));
  try {
    s.staging = dir_of(sftp::parse_url(s.url).path);
  } catch (const sftp::Error& e) {
    throw StepError(e.what());
  }
  s.to = dir_of(ctx.str("to"));
  if (s.to.empty() || s.to[0] != '/' || s.to.find("/../") != std::string::npos || s.to.ends_with("/.."))
    throw StepError(fmt::format("to '{}' must be an absolute folder on the server, without '..'", s.to));
  if (s.to == s.staging) throw StepError("to is the staging folder itself; name the public folder");
  for (const auto& f : ctx.list("files")) {
    auto local = ctx.artifact_path(f);
    if (!fs::is_regular_file(local))
      throw StepError(
          fmt::format("{} does not exist; it is compared with what the server holds: did the step that "
                      "makes it succeed?",
                      local.string()));
    s.files.push_back({local.filename().string(), fs::file_size(local), sha256_file(local)});
  }
  if (s.files.empty()) throw StepError("'files' is empty; name the files to place");
  s.key = ctx.str("key", "");
  s.group = ctx.str("group", "");
  s.file_mode = sftp_common::mode_param(ctx, "file_mode", 0664);
  s.dir_mode = sftp_common::mode_param(ctx, "dir_mode", 0775);
  return s;
}

bool holds(sftp::Session& session, const std::string& path, const File& f) {
  auto st = session.stat(path);
  return st && !st->directory && st->size == f.size && session.sha256(path) == f.sha256;
}

json outputs_of(const Settings& s) {
  json paths = json::array();
  for (const auto& f : s.files) paths.push_back(s.to + "/" + f.name);
  return {{"paths", paths}};
}

class SftpPlace : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {
        {"url", ParamType::string, true,
         "the staging folder the files were uploaded to: sftp://USER@HOST[:PORT]/PATH/"},
        {"to", ParamType::string, true, "the public folder on the same server (absolute path)"},
        {"files", ParamType::string_or_list, true,
         "the files, relative to artifacts/ unless absolute: their names are moved, their bytes compared"},
        {"key", ParamType::string, false, "the SSH private key file (default: $RELMAN_SSH_KEY, else the ssh agent)"},
        {"group", ParamType::string, false, "the group (name or gid) the folder and files get, e.g. downloads"},
        {"file_mode", ParamType::string, false, "octal mode of each file (default 664)"},
        {"dir_mode", ParamType::string, false, "octal mode of the public folder (default 775)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"paths"}; }

  json run(StepContext& ctx) const override {
    const auto s = settings_of(ctx);
    if (rehearsal::redirect(ctx, s.url)) {
      json names = json::array();
      for (const auto& f : s.files) names.push_back(f.name);
      rehearsal::write_outbox(ctx,
                              fmt::format("move {} files from {} to {}", s.files.size(), http::redact_url(s.url), s.to),
                              {{"kind", "sftp.place"},
                               {"url", http::redact_url(s.url)},
                               {"to", s.to},
                               {"files", names},
                               {"group", s.group}});
      return outputs_of(s);
    }
    auto session = sftp_common::open(ctx, s.url, s.key);
    try {
      session->mkdirs(s.to, s.dir_mode);
      sftp_common::set_permissions(*session, s.to, s.dir_mode, s.group, ctx);
      for (const auto& f : s.files) {
        const std::string from = s.staging + "/" + f.name;
        const std::string dest = s.to + "/" + f.name;
        if (holds(*session, dest, f)) {
          ctx.log->line(fmt::format("{} already holds the same {} bytes; not moving it again", dest, f.size));
        } else {
          auto st = session->stat(from);
          if (!st)
            throw StepError(
                fmt::format("{} is not in the staging folder {}: run the upload again (`relman retry` "
                            "its step), then `relman resume`",
                            f.name, s.staging));
          if (st->size != f.size)
            throw StepError(
                fmt::format("{} in the staging folder has {} bytes, not the artifact's {}: upload it "
                            "again (`relman retry` its step), then `relman resume`",
                            from, st->size, f.size));
          try {
            session->rename(from, dest);
            ctx.log->line(fmt::format("moved {} to {}", from, dest));
          } catch (const sftp::Error& e) {
            // Another file system (EXDEV comes back as a plain failure):
            // copy beside the destination, then rename into place.
            const std::string part = s.to + "/." + f.name + ".relman-part";
            ctx.log->line(fmt::format("rename failed ({}); copying {} to {} through {}", e.what(), from, dest, part));
            session->copy(from, part);
            session->rename(part, dest);
          }
        }
        sftp_common::set_permissions(*session, dest, s.file_mode, s.group, ctx);
        if (!holds(*session, dest, f))
          throw StepError(
              fmt::format("{} does not hold the artifact's bytes (sha256 {}) after the move; upload it "
                          "again (`relman retry` the upload), then `relman resume`",
                          dest, f.sha256));
        ctx.log->line(fmt::format("{}: {} bytes, sha256 {} verified", dest, f.size, f.sha256));
      }
    } catch (const sftp::Error& e) {
      throw StepError(fmt::format("{}; `relman resume` continues where it stopped", e.what()));
    }
    return outputs_of(s);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    try {
      const auto s = settings_of(ctx);
      if (rehearsal::redirect(ctx, s.url)) return {ProbeResult::not_done, json::object(), "a rehearsal moves nothing"};
      auto session = sftp_common::open(ctx, s.url, s.key);
      for (const auto& f : s.files)
        if (!holds(*session, s.to + "/" + f.name, f))
          return {ProbeResult::not_done, json::object(), fmt::format("{}/{} is not in place yet", s.to, f.name)};
      return {ProbeResult::done, outputs_of(s), "every file is in the public folder with the same sha256"};
    } catch (const std::exception& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
  }
};

RELMAN_REGISTER_STEP(SftpPlace, "sftp.place");

}  // namespace
}  // namespace relman::steps
