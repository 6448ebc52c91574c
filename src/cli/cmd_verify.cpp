// relman verify: is the state directory sound? The journal loads, every
// artifact listed in SHA256SUMS still has its checksum, and every .asc
// signature beside an artifact verifies (through the gpg.verify step kind,
// with the rehearsal's keyring when the run was a rehearsal).
#include <fmt/format.h>

#include <cstdio>

#include "adapters/sha256.h"
#include "cli/command.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/sandbox.h"
#include "cli/shared_options.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "core/step_log.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

// Runs gpg.verify on the signed artifacts; returns the problem, or "".
std::string verify_signatures(const ReadRun& r, const std::vector<std::string>& files) {
  const StepKind* kind = StepRegistry::instance().find("gpg.verify");
  if (!kind || files.empty()) return {};
  if (r.state.run.contains("sandbox")) enter_sandbox(SandboxInfo::from_json(r.state.run["sandbox"]));
  char tmpl[] = "/tmp/relman-verify-XXXXXX";
  if (!::mkdtemp(tmpl)) return "cannot create a scratch directory";
  fs::path scratch = tmpl;
  std::string problem;
  {
    Redactor redactor;
    StepLog log(scratch / "verify.log", &redactor);
    StepContext ctx;
    ctx.step_id = "verify";
    ctx.release = Version::parse(r.state.version);
    ctx.with = {{"files", files}};
    ctx.repo = r.dir;
    ctx.state_dir = r.dir;
    ctx.artifacts_dir = r.dir / "artifacts";
    ctx.work_dir = scratch;
    ctx.log = &log;
    ctx.redactor = &redactor;
    ctx.save_checkpoint = [](const nlohmann::json&) {};
    ctx.progress = [](const std::string&) {};
    try {
      auto out = kind->run(ctx);
      std::printf("signatures: %zu good, by %s\n", files.size(), out.value("signer", std::string("?")).c_str());
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return problem;
}

int verify(const Options& o) {
  auto dir = find_run(o);
  auto r = read_run(dir, false);  // throws StateError on a damaged journal
  int problems = 0;
  std::printf("journal: %zu events, %s\n", r.state.events, r.warning.empty() ? "sound" : r.warning.c_str());
  auto art = dir / "artifacts";
  auto sums = read_sha256sums(art / "SHA256SUMS");
  if (sums.empty()) std::printf("artifacts: no SHA256SUMS yet\n");
  std::vector<std::string> signed_files;
  for (const auto& [want, file] : sums) {
    std::string got;
    try {
      got = sha256_file(art / file);
    } catch (const std::exception&) {
      got = "missing";
    }
    bool ok = got == want;
    problems += !ok;
    std::printf("%s %s%s\n", ok ? "ok     " : "BAD    ", file.c_str(),
                ok ? "" : fmt::format(" (expected {}, found {})", want.substr(0, 16), got.substr(0, 16)).c_str());
    if (fs::exists(art / (file + ".asc"))) signed_files.push_back(file);
  }
  std::string sig_problem = verify_signatures(r, signed_files);
  if (!sig_problem.empty()) std::printf("signatures: %s\n", sig_problem.c_str());
  if (problems || !sig_problem.empty())
    throw StepError(fmt::format("the artifacts in {} do not verify: {} checksum mismatch(es){}", art.string(), problems,
                                sig_problem.empty() ? "" : ", and bad signatures"));
  return exit_code::finished;
}

}  // namespace

Command register_verify(CLI::App& app, Options& o) {
  CLI::App* c = add_command(app, "verify", "Check the journal and the artifacts against their checksums and signatures",
                            "relman verify");
  add_run_dir(*c, o);
  return {c, verify};
}

}  // namespace relman::cli
