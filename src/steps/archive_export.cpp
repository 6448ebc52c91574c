// archive.export: the tagged tree as reproducible <prefix>.tgz and
// <prefix>.tar.xz in artifacts/, read from the object database (no checkout).
#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include "adapters/git.h"
#include "adapters/sha256.h"
#include "adapters/tree_export.h"
#include "adapters/xz.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/artifact_record.h"

namespace relman::steps {
namespace {

struct Settings {
  std::string ref;
  std::string prefix;
  std::vector<TarballFormat> formats;
  std::vector<std::string> exclude;
  std::vector<AddedFile> add;
  int gzip_level = 9;
  int xz_level = 6;
  unsigned xz_threads = 1;
  bool background = false;
};

Settings settings(const StepContext& ctx) {
  Settings s;
  s.ref = ctx.str("ref");
  s.prefix = ctx.str("prefix");
  // The loader refuses these where it can see them; a prefix made from a
  // step's output is known only now.
  if (s.prefix.empty() || s.prefix == "." || s.prefix == ".." || s.prefix.find('/') != std::string::npos ||
      std::any_of(s.prefix.begin(), s.prefix.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    throw StepError(
        fmt::format("prefix '{}' must be a plain directory name such as Python-3.12.0 "
                    "(no '/'); fix the workflow",
                    s.prefix));
  auto formats = ctx.has("formats") ? ctx.list("formats") : std::vector<std::string>{"tgz", "txz"};
  if (formats.empty()) throw StepError("formats is empty; list tgz, txz or both");
  for (const auto& f : formats) {
    try {
      auto fmt = parse_tarball_format(f);
      if (std::find(s.formats.begin(), s.formats.end(), fmt) == s.formats.end()) s.formats.push_back(fmt);
    } catch (const std::invalid_argument& e) {
      throw StepError(fmt::format("{}; fix 'formats' in the workflow", e.what()));
    }
  }
  s.exclude = ctx.list("exclude");
  if (ctx.has("add")) {
    const json& add = ctx.with.at("add");
    if (!add.is_array()) throw StepError("'add' must be a list of {path: P, from: FILE}; fix the workflow");
    for (const auto& a : add) {
      if (!a.is_object() || !a.contains("path") || !a["path"].is_string() || !a.contains("from") ||
          !a["from"].is_string())
        throw StepError(fmt::format("'add' item {} must be {{path: P, from: FILE}}; fix the workflow", a.dump()));
      const std::string path = a["path"].get<std::string>();
      const std::filesystem::path rel(path);
      bool bad = path.empty() || rel.is_absolute() || path.back() == '/' ||
                 std::any_of(path.begin(), path.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
      for (const auto& part : rel) bad = bad || part == ".." || part == "." || part.empty();
      if (bad)
        throw StepError(
            fmt::format("'add' path '{}' must be a file's path inside the tree such as Misc/NEWS; "
                        "fix the workflow",
                        path));
      std::filesystem::path from = a["from"].get<std::string>();
      if (from.is_relative()) from = ctx.repo / from;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(from, ec))
        throw StepError(
            fmt::format("the file to add as {}, {}, does not exist or is not a regular file; check "
                        "the step that makes it, then: relman resume",
                        path, from.string()));
      s.add.push_back({path, from});
    }
  }
  auto level = [&](const char* key, long long def, long long lo, long long hi) {
    long long v = ctx.integer(key, def);
    if (v < lo || v > hi) throw StepError(fmt::format("{} is {}; use {} to {}", key, v, lo, hi));
    return static_cast<int>(v);
  };
  s.gzip_level = level("gzip_level", 9, 1, 9);
  s.xz_level = level("xz_level", 6, 0, 9);
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  s.xz_threads = static_cast<unsigned>(level("xz_threads", hw, 1, 64));
  s.background = ctx.flag("background", false);
  return s;
}

json outputs_of(const json& record, const Settings& s, const std::filesystem::path& artifacts) {
  json files = json::array(), sizes = json::object(), sums = json::object();
  for (auto f : s.formats) {
    std::string name = s.prefix + tarball_suffix(f);
    const auto& r = record["files"][name];
    files.push_back((std::filesystem::absolute(artifacts) / name).string());
    sizes[name] = r["size"];
    sums[name] = r["sha256"];
  }
  return {{"files", files}, {"sizes", sizes}, {"sha256", sums}, {"commit", record["commit"]}};
}

class ArchiveExport : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"ref", ParamType::string, true, "the tag (or any revision) whose tree is exported"},
            {"prefix", ParamType::string, true, "top directory in the tarballs and their base name"},
            {"formats", ParamType::string_or_list, false, "tgz, txz or both (default)"},
            {"exclude", ParamType::string_or_list, false, "fnmatch patterns on tree paths to leave out"},
            {"add", ParamType::any, false, "files to put into the tarballs: [{path: Misc/NEWS, from: FILE}]"},
            {"gzip_level", ParamType::integer, false, "1-9, default 9 (gzip -9n, as CPython's release.py)"},
            {"xz_level", ParamType::integer, false, "0-9, default 6 (xz's default)"},
            {"xz_threads", ParamType::integer, false, "xz threads, default: the CPU count; never changes the bytes"},
            {"background", ParamType::boolean, false,
             "compress at idle CPU priority, so that a build running beside the export goes first (default false); "
             "never changes the bytes"}};
  }
  std::vector<std::string> outputs() const override { return {"files", "sizes", "sha256", "commit"}; }

  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    if (with.contains("formats")) {
      auto check = [&](const json& v) {
        if (v.is_string() && v.get<std::string>().find("${") == std::string::npos) {
          try {
            parse_tarball_format(v.get<std::string>());
          } catch (const std::invalid_argument& e) {
            problems.push_back(e.what());
          }
        }
      };
      if (with["formats"].is_array())
        for (const auto& v : with["formats"]) check(v);
      else check(with["formats"]);
    }
    return problems;
  }

  json run(StepContext& ctx) const override {
    Settings s = settings(ctx);
    git::Repository repo;
    git::Commit commit;
    try {
      repo = git::open(ctx.repo);
      commit = git::resolve_commit(repo.get(), s.ref);
    } catch (const std::runtime_error& e) {
      throw StepError(
          fmt::format("cannot export '{}': {} in {}. Check that the tag exists (git -C {} tag -l '{}') and that "
                      "the tagging step succeeded, then: relman resume",
                      s.ref, e.what(), ctx.repo.string(), ctx.repo.string(), s.ref));
    }
    std::string sha = git::oid_str(*git_commit_id(commit.get()));
    ctx.save_checkpoint({{"commit", sha}});
    ctx.log->line(fmt::format("exporting {} ({}) as {}/ into {}", s.ref, sha, s.prefix, ctx.artifacts_dir.string()));

    TreeExportOptions opts;
    opts.prefix = s.prefix;
    opts.formats = s.formats;
    opts.exclude = s.exclude;
    opts.add = s.add;
    opts.gzip_level = s.gzip_level;
    opts.xz_level = s.xz_level;
    opts.xz_threads = s.xz_threads;
    opts.idle_priority = s.background;
    opts.out_dir = ctx.artifacts_dir;
    opts.progress = [&ctx](size_t done, size_t total, uint64_t bytes) {
      if (ctx.progress)
        ctx.progress(fmt::format("{}% ({}/{} entries, {} MB read)", total ? done * 100 / total : 100, done, total,
                                 bytes / 1000000));
    };
    TreeExportResult result;
    try {
      result = export_tree(repo.get(), commit.get(), opts);
    } catch (const std::invalid_argument& e) {
      throw StepError(fmt::format("{}; fix 'add' in the workflow", e.what()));
    } catch (const std::system_error& e) {
      throw StepError(
          fmt::format("cannot write the tarballs into {}: {}. Make the directory writable and check free space "
                      "(df -h {}), then: relman resume",
                      ctx.artifacts_dir.string(), e.what(), ctx.artifacts_dir.string()));
    }

    json record = {
        {"commit", sha}, {"ref", s.ref}, {"prefix", s.prefix}, {"liblzma", xz::version()}, {"files", json::object()}};
    for (const auto& t : result.tarballs) {
      auto st = stamp(t.path);
      if (!st) throw StepError(fmt::format("{} vanished right after it was written", t.path.string()));
      record["files"][t.path.filename().string()] = {
          {"sha256", t.sha256}, {"size", t.size}, {"mtime_ns", st->mtime_ns}};
      ctx.log->line(fmt::format("wrote {} ({} bytes, sha256 {})", t.path.string(), t.size, t.sha256));
    }
    write_export_record(ctx.artifacts_dir, s.prefix, s.formats, record);
    ctx.log->line(fmt::format("{} entries, {} left out by exclude, {} bytes of tar", result.entries, result.excluded,
                              result.tar_bytes));
    return outputs_of(record, s, ctx.artifacts_dir);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    Settings s = settings(ctx);
    auto record = read_export_record(ctx.artifacts_dir, s.prefix, s.formats);
    if (!record) return {ProbeResult::not_done, json::object(), "no completed export recorded for " + s.prefix};
    if (ctx.checkpoint.contains("commit") && (*record)["commit"] != ctx.checkpoint["commit"])
      return {ProbeResult::not_done, json::object(),
              fmt::format("the recorded export is of commit {}, not {}", (*record)["commit"].dump(),
                          ctx.checkpoint["commit"].dump())};
    for (auto f : s.formats) {
      std::string name = s.prefix + tarball_suffix(f);
      auto path = ctx.artifacts_dir / name;
      if (!(*record)["files"].contains(name))
        return {ProbeResult::not_done, json::object(), name + " is not in the export record"};
      if (!std::filesystem::exists(path)) return {ProbeResult::not_done, json::object(), name + " is missing"};
      const auto& r = (*record)["files"][name];
      if (sha256_file(path) != r.value("sha256", ""))
        return {ProbeResult::not_done, json::object(), name + " does not have the recorded SHA-256"};
    }
    return {ProbeResult::done, outputs_of(*record, s, ctx.artifacts_dir),
            "the tarballs exist with the recorded SHA-256"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(ArchiveExport, "archive.export");
}  // namespace relman::steps
