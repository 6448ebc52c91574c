// checksum.sha256: a SHA256SUMS file (sha256sum's format) for the release
// files, reusing the hashes archive.export computed while writing.
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "adapters/durable.h"
#include "adapters/sha256.h"
#include "core/confine.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/artifact_record.h"

namespace relman::steps {
namespace {

struct Sums {
  std::map<std::string, std::string> by_name;  // basename -> hex, sorted
  size_t reused = 0;
};

std::vector<std::filesystem::path> files_of(const StepContext& ctx) {
  std::vector<std::filesystem::path> out;
  for (const auto& f : ctx.list("files")) out.push_back(ctx.artifact_path(f));
  if (out.empty()) throw StepError("'files' is empty; name the files to checksum");
  return out;
}

std::filesystem::path output_of(const StepContext& ctx) {
  return confine_path(ctx, ctx.artifacts_dir, ctx.str("output", "SHA256SUMS"), "artifacts/");
}

Sums hash_all(const std::vector<std::filesystem::path>& files) {
  Sums sums;
  for (const auto& path : files) {
    std::string name = path.filename().string();
    if (!std::filesystem::is_regular_file(path))
      throw StepError(
          fmt::format("{} does not exist; did the step that makes it succeed? Fix that, then: "
                      "relman resume",
                      path.string()));
    if (sums.by_name.count(name))
      throw StepError(
          fmt::format("two files are named {}; SHA256SUMS names files by their base name, so "
                      "list each name once",
                      name));
    if (auto known = recorded_sha256(path)) {
      sums.by_name[name] = *known;
      ++sums.reused;
    } else {
      sums.by_name[name] = sha256_file(path);
    }
  }
  return sums;
}

std::string render(const Sums& sums) {
  std::string out;
  for (const auto& [name, hex] : sums.by_name) out += hex + "  " + name + "\n";
  return out;
}

json outputs_of(const Sums& sums, const std::filesystem::path& sums_file) {
  json map = json::object();
  for (const auto& [name, hex] : sums.by_name) map[name] = hex;
  return {{"file", std::filesystem::absolute(sums_file).string()}, {"sha256", map}};
}

class ChecksumSha256 : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"files", ParamType::string_or_list, true, "files to checksum (relative to artifacts/ unless absolute)"},
            {"output", ParamType::string, false, "the checksum file inside artifacts/, default SHA256SUMS"}};
  }
  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    check_confined_param(with, "output", "artifacts/", problems);
    return problems;
  }
  std::vector<std::string> outputs() const override { return {"file", "sha256"}; }

  json run(StepContext& ctx) const override {
    auto files = files_of(ctx);
    auto out = output_of(ctx);
    Sums sums = hash_all(files);
    try {
      durable::write_atomic(out, render(sums));
    } catch (const std::system_error& e) {
      throw StepError(
          fmt::format("cannot write {}: {}. Make its directory writable, then: relman resume", out.string(), e.what()));
    }
    ctx.log->line(fmt::format("wrote {} for {} files ({} hashes reused from the export, {} read back)", out.string(),
                              sums.by_name.size(), sums.reused, sums.by_name.size() - sums.reused));
    return outputs_of(sums, out);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    auto files = files_of(ctx);
    auto out = output_of(ctx);
    if (!std::filesystem::exists(out)) return {ProbeResult::not_done, json::object(), out.string() + " does not exist"};
    Sums sums;
    try {
      sums = hash_all(files);
    } catch (const StepError& e) {
      return {ProbeResult::not_done, json::object(), e.what()};
    }
    if (durable::read_file(out) != render(sums))
      return {ProbeResult::not_done, json::object(), out.string() + " does not match the files"};
    return {ProbeResult::done, outputs_of(sums, out), out.string() + " matches the files"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(ChecksumSha256, "checksum.sha256");
}  // namespace relman::steps
