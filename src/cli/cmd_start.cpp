// relman rehearse VERSION / relman start VERSION --execute: a new run.
#include <fmt/format.h>

#include <memory>
#include <thread>

#include "adapters/durable.h"
#include "cli/command.h"
#include "cli/doctor.h"
#include "cli/drive.h"
#include "cli/identity.h"
#include "cli/open_run.h"
#include "cli/options.h"
#include "cli/run_location.h"
#include "cli/sandbox.h"
#include "cli/say.h"
#include "cli/shared_options.h"
#include "cli/suggest.h"
#include "cli/vars.h"
#include "core/errors.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

int start_run(const Options& o, RunMode mode) {
  Version version = Version::parse(o.version);
  auto overrides = parse_vars(o.vars);
  Workflow wf = load_workflow(find_workflow(o.workflow), overrides);
  const std::vector<std::string> skips = split_ids(o.skip);
  for (const auto& id : skips)
    if (!wf.find(id)) throw unknown_step(id, step_ids(wf), "--skip " + id);
  fs::path repo = fs::absolute(o.repo);
  if (!fs::is_directory(repo)) throw UsageError(fmt::format("--repo {}: no such directory", o.repo));
  repo = fs::canonical(repo);
  // Known before anything changes: a real run records who approved its gates.
  const std::string operator_name = identity_or_refuse(o.as, repo, mode == RunMode::execute);

  const fs::path dir = new_run_dir(o, repo, version, mode);
  durable::create_directories_durable(dir);
  // The lock comes before anything in the directory is looked at, made or
  // removed: a second start on the same directory must not touch a running
  // run's files (its sandbox above all) before it finds out it is not alone.
  auto run = std::make_unique<OpenRun>();
  run->dir = dir;
  run->lock = std::make_unique<RunLock>(dir);
  if (fs::exists(dir / "journal.jsonl") && fs::file_size(dir / "journal.jsonl") > 0)
    throw UsageError(fmt::format("a run already exists in {}", dir.string()),
                     fmt::format("continue it with `{}`, or start afresh with another --state-dir",
                                 with_state_dir("relman resume", dir)));
  // A start that died before its first event leaves at most a half-made
  // sandbox and temporary files behind: nothing was recorded, so it is made again.
  std::error_code ec;
  fs::remove_all(dir / "sandbox", ec);
  fs::remove_all(dir / "tmp", ec);
  Journal::Loaded empty;
  run->journal = std::make_unique<Journal>(dir / "journal.jsonl", empty, &run->redactor);
  run->version = version;
  run->workflow = std::move(wf);
  run->var_overrides = overrides;

  nlohmann::json settings = {
      {"jobs", o.jobs}, {"vars", overrides},        {"auto_approve", o.auto_approve}, {"ci", o.ci},
      {"skip", skips},  {"sign_with", o.sign_with}, {"operator", operator_name}};
  if (o.sigstore_real) settings["sigstore_real"] = true;
  nlohmann::json started = {{"event", "run_started"},
                            {"version", version.str()},
                            {"kind", version.kind_name()},
                            {"mode", to_string(mode)},
                            {"workflow", run->workflow.file.string()},
                            {"workflow_name", run->workflow.name},
                            {"workflow_hash", run->workflow.hash},
                            {"plan", run->workflow.plan()},
                            {"source_repo", repo.string()},
                            {"repo", repo.string()},
                            {"relman", RELMAN_VERSION},
                            {"settings", settings}};
  if (mode == RunMode::rehearse) {
    // The real run's pre-flight, against the real repository and keyring
    // (read-only), before the sandbox points GNUPGHOME at its own keyring.
    started["preflight"] = to_json(preflight({repo, &run->workflow, version, skips, o.sign_with}));
    say(o, fmt::format("relman: rehearsing {} in a sandbox: {}", version.str(), (dir / "sandbox").string()));
    SandboxInfo sb = make_sandbox(repo, dir / "sandbox", o, remotes_written(run->workflow, version, skips, repo));
    started["repo"] = sb.workspace.string();
    started["sandbox"] = sb.describe();
  }
  record(*run, started);
  for (const auto& id : skips)
    record(*run, {{"event", "step_skipped"}, {"step", id}, {"by", "start"}, {"reason", "skipped at start"}});
  return drive(*run, o);
}

int start(const Options& o, bool execute) {
  if (!execute)
    throw UsageError(
        "`relman start` makes the real release: it pushes, uploads and announces, so it runs only with --execute",
        fmt::format("rehearse first with `relman rehearse {}`; when ready: relman start {} --execute", o.version,
                    o.version));
  return start_run(o, RunMode::execute);
}

}  // namespace

Command register_rehearse(CLI::App& app, Options& o) {
  CLI::App* c =
      add_command(app, "rehearse", "Run the whole release for real inside a sandbox; nothing leaves the machine",
                  "relman rehearse 3.12.0 --repo ~/cpython --auto-approve");
  add_version(*c, o);
  add_new_run_options(*c, o);
  c->add_flag("--sigstore-real", o.sigstore_real,
              "sign with your own identity on the real Sigstore instance instead of the sandbox's stand-in "
              "(the signatures are logged publicly): check your identity works before the day");
  return {c, [](const Options& o) { return start_run(o, RunMode::rehearse); }};
}

Command register_start(CLI::App& app, Options& o) {
  auto execute = std::make_shared<bool>(false);
  CLI::App* c = add_command(app, "start", "Make the real release (needs --execute)",
                            "relman start 3.12.0 --repo ~/cpython --execute");
  add_version(*c, o);
  add_new_run_options(*c, o);
  c->add_flag("--execute", *execute, "really push, upload and announce");
  return {c, [execute](const Options& o) { return start(o, *execute); }};
}

}  // namespace relman::cli
