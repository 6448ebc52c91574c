// What archive.export knows about the tarballs it wrote, kept beside them in
// artifacts/.relman-export-<prefix>.json (an export of one format only:
// .relman-export-<prefix>.tgz.json, .relman-export-<prefix>.tar.xz.json, so
// two steps exporting one format each keep a record each): their hashes (computed while
// writing), sizes and modification times. probe() trusts a tarball only if it
// still has the recorded hash; checksum.sha256 reuses a recorded hash when the
// file's size and mtime are unchanged instead of reading it back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/tree_export.h"

namespace relman::steps {

struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

// size and mtime (ns) of a file; nullopt if it does not exist.
std::optional<FileStamp> stamp(const std::filesystem::path& file);

std::filesystem::path export_record_path(const std::filesystem::path& artifacts_dir, const std::string& prefix,
                                         const std::vector<TarballFormat>& formats);

// The record: {"commit", "prefix", "liblzma", "files": {name: {"sha256", "size", "mtime_ns"}}}.
// Written atomically (durable::write_atomic).
void write_export_record(const std::filesystem::path& artifacts_dir, const std::string& prefix,
                         const std::vector<TarballFormat>& formats, const nlohmann::json& record);
// nullopt when missing or unreadable (a damaged record only costs a re-export).
std::optional<nlohmann::json> read_export_record(const std::filesystem::path& artifacts_dir, const std::string& prefix,
                                                 const std::vector<TarballFormat>& formats);

// The SHA-256 an export recorded for `file`, if some record in its directory
// names it and its size and mtime still match.
std::optional<std::string> recorded_sha256(const std::filesystem::path& file);

}  // namespace relman::steps
