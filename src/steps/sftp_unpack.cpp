// sftp.unpack: a docs archive unpacked into its folder on the docs server,
// as release-tools' unpack_docs_in_the_docs_server does with unzip, mv,
// chgrp -R and chmod over ssh, but with SFTP operations only: the archive is
// unpacked here (adapters/unpack: nothing outside the folder, no foreign
// owners) and each file is written under a hidden name beside its final one
// and renamed into place, so a reader never sees a partial page. A file the
// server already holds with the same size and sha256 is not sent again, so a
// resumed run sends only what is missing.
#include <fmt/format.h>

#include <algorithm>

#include "adapters/sha256.h"
#include "adapters/unpack.h"
#include "core/errors.h"
#include "steps/github_api.h"
#include "steps/sftp_common.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

struct Settings {
  std::string url;
  std::string dest;  // absolute, no trailing '/'
  fs::path archive;
  bool strip = true;
  std::string key;
  std::string group;
  unsigned file_mode = 0664;
  unsigned dir_mode = 0775;
};

Settings settings_of(const StepContext& ctx) {
  Settings s;
  s.url = ctx.str("url");
  if (http::url_scheme(s.url) != "sftp")
    throw StepError(fmt::format("url '{}' must be the folder as sftp://USER@HOST/PATH/", http::redact_url(s.url)));
  try {
    s.dest = sftp::parse_url(s.url).path;
  } catch (const sftp::Error& e) {
    throw StepError(e.what());
  }
  while (s.dest.size() > 1 && s.dest.back() == '/') s.dest.pop_back();
  if (s.dest == "/") throw StepError("url names the server's root folder; name the docs' own folder");
  s.archive = ctx.artifact_path(ctx.str("archive"));
  if (!fs::is_regular_file(s.archive))
    throw StepError(
        fmt::format("{} does not exist; did the step that makes the docs archive succeed?", s.archive.string()));
  s.strip = ctx.flag("strip", true);
  s.key = ctx.str("key", "");
  s.group = ctx.str("group", "");
  s.file_mode = sftp_common::mode_param(ctx, "file_mode", 0664);
  s.dir_mode = sftp_common::mode_param(ctx, "dir_mode", 0775);
  return s;
}

// The archive unpacked into the step's work directory (afresh each time);
// with `strip`, a single top folder (python-3.12.0-docs-html/) is the root.
fs::path unpacked(const StepContext& ctx, const Settings& s) {
  const fs::path out = ctx.work_dir / "unpacked";
  fs::remove_all(out);
  const std::string name = s.archive.filename().string();
  try {
    if (name.ends_with(".zip")) unpack::zip(s.archive, out);
    else unpack::tar(s.archive, out);
  } catch (const std::runtime_error& e) {
    throw StepError(fmt::format("cannot unpack {}: {}", name, e.what()));
  }
  if (!s.strip) return out;
  std::vector<fs::path> top;
  for (const auto& e : fs::directory_iterator(out)) top.push_back(e.path());
  if (top.size() == 1 && fs::is_directory(top[0]) && !fs::is_symlink(top[0])) return top[0];
  return out;
}

struct Entry {
  fs::path local;
  std::string remote;
  bool directory = false;
};

std::vector<Entry> entries_of(const fs::path& root, const std::string& dest) {
  std::vector<Entry> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const auto rel = fs::relative(it->path(), root).generic_string();
    if (it->is_symlink())
      throw StepError(
          fmt::format("the archive holds a symbolic link, {}; a docs archive has none: check the archive", rel));
    out.push_back({it->path(), dest + "/" + rel, it->is_directory()});
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.remote < b.remote; });
  return out;
}

bool holds(sftp::Session& session, const Entry& e) {
  auto st = session.stat(e.remote);
  return st && !st->directory && st->size == fs::file_size(e.local) && session.sha256(e.remote) == sha256_file(e.local);
}

class SftpUnpack : public StepKind {
 public:
  Effect effect() const override { return Effect::remote; }
  std::vector<ParamSpec> params() const override {
    return {
        {"url", ParamType::string, true, "the folder the archive is unpacked into: sftp://USER@HOST[:PORT]/PATH/"},
        {"archive", ParamType::string, true, "the archive (.zip, or a tar in any compression), relative to artifacts/"},
        {"strip", ParamType::boolean, false, "unpack a single top folder's content, not the folder (default true)"},
        {"key", ParamType::string, false, "the SSH private key file (default: $RELMAN_SSH_KEY, else the ssh agent)"},
        {"group", ParamType::string, false, "the group (name or gid) of every folder and file, e.g. docs"},
        {"file_mode", ParamType::string, false, "octal mode of each file (default 664)"},
        {"dir_mode", ParamType::string, false, "octal mode of each folder (default 775)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"files", "sent"}; }

  json run(StepContext& ctx) const override {
    const auto s = settings_of(ctx);
    const auto entries = entries_of(unpacked(ctx, s), s.dest);
    long long files = 0;
    for (const auto& e : entries) files += e.directory ? 0 : 1;
    if (rehearsal::redirect(ctx, s.url)) {
      rehearsal::write_outbox(
          ctx,
          fmt::format("unpack {} ({} files) into {}", s.archive.filename().string(), files, http::redact_url(s.url)),
          {{"kind", "sftp.unpack"},
           {"url", http::redact_url(s.url)},
           {"archive", s.archive.filename().string()},
           {"files", files},
           {"group", s.group}});
      return {{"files", files}, {"sent", 0}};
    }
    auto session = sftp_common::open(ctx, s.url, s.key);
    long long sent = 0;
    try {
      session->mkdirs(s.dest, s.dir_mode);
      sftp_common::set_permissions(*session, s.dest, s.dir_mode, s.group, ctx);
      long long done = 0;
      for (const auto& e : entries) {
        if (e.directory) {
          session->mkdirs(e.remote, s.dir_mode);
          sftp_common::set_permissions(*session, e.remote, s.dir_mode, s.group, ctx);
          continue;
        }
        if (!holds(*session, e)) {
          const fs::path remote(e.remote);
          const std::string part =
              (remote.parent_path() / ("." + remote.filename().string() + ".relman-part")).string();
          session->write(e.local, part);
          session->rename(part, e.remote);
          ++sent;
        }
        sftp_common::set_permissions(*session, e.remote, s.file_mode, s.group, ctx);
        ++done;
        ctx.progress(fmt::format("{}/{} files", done, files));
      }
    } catch (const sftp::Error& e) {
      throw StepError(fmt::format("{}; `relman resume` sends what is still missing", e.what()));
    }
    ctx.log->line(fmt::format("{}: {} files in place, {} sent", http::redact_url(s.url), files, sent));
    return {{"files", files}, {"sent", sent}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    try {
      const auto s = settings_of(ctx);
      if (rehearsal::redirect(ctx, s.url)) return {ProbeResult::not_done, json::object(), "a rehearsal sends nothing"};
      const auto entries = entries_of(unpacked(ctx, s), s.dest);
      auto session = sftp_common::open(ctx, s.url, s.key);
      long long files = 0;
      for (const auto& e : entries) {
        if (e.directory) continue;
        ++files;
        if (!holds(*session, e))
          return {ProbeResult::not_done, json::object(), e.remote + " is not there with the archive's bytes"};
      }
      return {ProbeResult::done, {{"files", files}, {"sent", 0}}, "every file of the archive is in place"};
    } catch (const std::exception& e) {
      return {ProbeResult::unknown, json::object(), e.what()};
    }
  }
};

RELMAN_REGISTER_STEP(SftpUnpack, "sftp.unpack");

}  // namespace
}  // namespace relman::steps
