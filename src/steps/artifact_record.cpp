#include "steps/artifact_record.h"

#include <sys/stat.h>

#include "adapters/durable.h"

namespace relman::steps {

std::optional<FileStamp> stamp(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  FileStamp s;
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

std::filesystem::path export_record_path(const std::filesystem::path& artifacts_dir, const std::string& prefix,
                                         const std::vector<TarballFormat>& formats) {
  const std::string one = formats.size() == 1 ? tarball_suffix(formats[0]) : "";
  return artifacts_dir / (".relman-export-" + prefix + one + ".json");
}

void write_export_record(const std::filesystem::path& artifacts_dir, const std::string& prefix,
                         const std::vector<TarballFormat>& formats, const nlohmann::json& record) {
  durable::write_atomic(export_record_path(artifacts_dir, prefix, formats), record.dump(2) + "\n");
}

namespace {

std::optional<nlohmann::json> parse(const std::filesystem::path& path) {
  try {
    auto j = nlohmann::json::parse(durable::read_file(path));
    if (j.is_object() && j.contains("files") && j["files"].is_object()) return j;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::optional<nlohmann::json> read_export_record(const std::filesystem::path& artifacts_dir, const std::string& prefix,
                                                 const std::vector<TarballFormat>& formats) {
  auto path = export_record_path(artifacts_dir, prefix, formats);
  if (!std::filesystem::exists(path)) return std::nullopt;
  return parse(path);
}

std::optional<std::string> recorded_sha256(const std::filesystem::path& file) {
  auto now = stamp(file);
  if (!now) return std::nullopt;
  std::error_code ec;
  auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::string name = file.filename().string();
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string fn = entry.path().filename().string();
    if (fn.rfind(".relman-export-", 0) != 0 || entry.path().extension() != ".json") continue;
    auto rec = parse(entry.path());
    if (!rec || !(*rec)["files"].contains(name)) continue;
    const auto& f = (*rec)["files"][name];
    if (f.value("size", uint64_t{0}) == now->size && f.value("mtime_ns", int64_t{0}) == now->mtime_ns &&
        f.contains("sha256") && f["sha256"].is_string())
      return f["sha256"].get<std::string>();
  }
  return std::nullopt;
}

}  // namespace relman::steps
