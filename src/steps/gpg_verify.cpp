// gpg.verify: every release file has a good detached signature (<file>.asc),
// and matches its line in SHA256SUMS where there is one. Used after signing
// and again on what was uploaded, so every problem is listed at once.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "adapters/durable.h"
#include "adapters/gpg.h"
#include "adapters/sha256.h"
#include "core/errors.h"
#include "core/step_kind.h"

namespace relman::steps {
namespace {

constexpr const char* kSums = "SHA256SUMS";

std::filesystem::path asc_of(const std::filesystem::path& file) { return file.string() + ".asc"; }

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::toupper);
  return s;
}

// Base name -> hex digest.
std::map<std::string, std::string> parse_sums(const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  for (const auto& e : read_sha256sums(path)) out[std::filesystem::path(e.name).filename().string()] = e.sha256;
  return out;
}

struct Report {
  std::vector<std::string> verified;
  std::set<std::string> signers;
  std::vector<std::string> checksum_files;
  std::vector<std::string> problems;
};

Report check_all(const StepContext& ctx) {
  Report r;
  std::vector<std::filesystem::path> files;
  for (const auto& f : ctx.list("files")) files.push_back(ctx.artifact_path(f));
  if (files.empty()) {
    r.problems.push_back("parameter 'files' is empty; name the signed files to verify");
    return r;
  }
  const std::string want = upper(ctx.str("key", ""));

  // Which SHA256SUMS applies to each file: the parameter, else the one beside it.
  std::optional<std::filesystem::path> given;
  if (ctx.has("checksums")) {
    given = ctx.artifact_path(ctx.str("checksums"));
    if (!std::filesystem::is_regular_file(*given))
      r.problems.push_back(
          fmt::format("{}: the checksum file does not exist; fix `checksums` or make it first "
                      "(checksum.sha256)",
                      given->string()));
  }
  std::map<std::filesystem::path, std::optional<std::map<std::string, std::string>>> sums_by_file;
  auto sums_for = [&](const std::filesystem::path& file)
      -> std::pair<std::filesystem::path, const std::map<std::string, std::string>*> {
    std::filesystem::path p = given ? *given : file.parent_path() / kSums;
    auto it = sums_by_file.find(p);
    if (it == sums_by_file.end()) {
      std::optional<std::map<std::string, std::string>> parsed;
      if (std::filesystem::is_regular_file(p)) {
        parsed = parse_sums(p);
        r.checksum_files.push_back(p.string());
      }
      it = sums_by_file.emplace(p, std::move(parsed)).first;
    }
    return {p, it->second ? &*it->second : nullptr};
  };

  for (const auto& file : files) {
    const std::string f = file.string();
    if (!std::filesystem::is_regular_file(file)) {
      r.problems.push_back(f + ": the file does not exist; produce or download it again, then: relman resume");
      continue;
    }
    bool ok = true;
    auto asc = asc_of(file);
    if (!std::filesystem::is_regular_file(asc)) {
      r.problems.push_back(f + ": no signature " + asc.string() + "; sign it (gpg.sign) or fetch the .asc");
      ok = false;
    } else {
      auto v = gpg::verify_file(asc, file);
      if (!v.good) {
        r.problems.push_back(f + ": " + v.problem +
                             (v.problem.rfind("BAD", 0) == 0
                                  ? "; the file (or its .asc) changed after signing: export and sign it again, or "
                                    "fetch the original"
                                  : ""));
        ok = false;
      } else if (!want.empty() && upper(v.fingerprint) != want) {
        r.problems.push_back(
            fmt::format("{}: signed by {} ({}), not by the expected key {}", f, v.fingerprint, v.uid, want));
        ok = false;
      } else {
        r.signers.insert(v.fingerprint);
        ctx.log->line(fmt::format("{}: good signature by {} ({}), validity {}", f, v.fingerprint, v.uid, v.validity));
      }
    }

    auto [sums_path, sums] = sums_for(file);
    if (sums && file.filename() != sums_path.filename()) {
      auto it = sums->find(file.filename().string());
      if (it == sums->end()) {
        r.problems.push_back(
            fmt::format("{}: not listed in {}; make the checksums again (checksum.sha256) with "
                        "this file in `files`",
                        f, sums_path.string()));
        ok = false;
      } else {
        std::string actual = sha256_file(file);
        if (actual != it->second) {
          r.problems.push_back(
              fmt::format("{}: sha256 is {} but {} says {}; the file or the checksum file changed "
                          "after the checksums were made: export and checksum again, or fetch the "
                          "originals",
                          f, actual, sums_path.string(), it->second));
          ok = false;
        } else {
          ctx.log->line(fmt::format("{}: sha256 matches {}", f, sums_path.string()));
        }
      }
    }
    if (ok) r.verified.push_back(f);
  }
  return r;
}

json outputs_of(const Report& r) {
  std::string signer;
  for (const auto& s : r.signers) signer += (signer.empty() ? "" : ",") + s;
  return {{"verified", r.verified}, {"signer", signer}, {"checksums", r.checksum_files}};
}

class GpgVerify final : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {
        {"files", ParamType::string_or_list, true, "signed files (relative to artifacts/ unless absolute)"},
        {"checksums", ParamType::string, false, "checksum file (default: SHA256SUMS beside each file, if any)"},
        {"key", ParamType::string, false, "fingerprint every signature must be made by (default: any known key)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"verified", "signer", "checksums"}; }

  json run(StepContext& ctx) const override {
    Report r = check_all(ctx);
    if (!r.problems.empty()) {
      std::string msg = fmt::format("verification failed for {} problem(s):", r.problems.size());
      for (const auto& p : r.problems) msg += "\n  " + p;
      throw StepError(msg);
    }
    ctx.log->line(fmt::format("verified {} file(s)", r.verified.size()));
    return outputs_of(r);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    Report r = check_all(ctx);
    if (!r.problems.empty()) return {ProbeResult::not_done, json::object(), r.problems.front()};
    return {ProbeResult::done, outputs_of(r), "every file verifies"};
  }
};

}  // namespace

RELMAN_REGISTER_STEP(GpgVerify, "gpg.verify");

}  // namespace relman::steps
