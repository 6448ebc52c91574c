// The interface every step kind implements (docs/architecture.md, "Adding a step kind"). The
// engine knows steps only through this header: it never sees git, GPG or HTTP.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/redactor.h"
#include "core/step_log.h"
#include "core/version.h"

namespace relman {

using json = nlohmann::json;

// What a step changes: nothing, this machine, or what another machine sees.
enum class Effect { none, local, remote };
std::string to_string(Effect e);

enum class ParamType {
  string,          // "text"
  integer,         // 3
  boolean,         // true
  string_list,     // [a, b]
  string_or_list,  // "a" or [a, b]
  map,             // {KEY: value}, values scalars
  any,             // anything; the step checks it
};
std::string to_string(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::string;
  bool required = false;
  std::string doc;
};

// The mode the run was started in; recorded in the journal, kept on resume.
enum class RunMode { rehearse, execute };
std::string to_string(RunMode m);

// Where a rehearsal sends what a real run would send elsewhere. Empty paths
// mean "no sandbox" (a real run).
struct Sandbox {
  std::filesystem::path root;     // <state>/sandbox
  std::filesystem::path uploads;  // http.upload writes here instead
  std::filesystem::path outbox;   // ci.dispatch, announce, purge write here
  std::filesystem::path mirrors;  // <sandbox>/remotes: every push lands in here
  std::string signing_key;        // default signing key: the rehearsal's, or --sign-with
  // Each remote a push may name (a name, or the path or URL as the step
  // gives it) -> the bare mirror that stands in for it.
  std::map<std::string, std::filesystem::path> remotes;
  // The Sigstore stand-in this process serves on loopback (cli/sigstore_standin):
  // Fulcio and Rekor at sigstore_url, its trust root beside it. Empty when
  // none runs. sigstore_real: `rehearse --sigstore-real`, the workflow's own
  // (real) instance and the release manager's identity even in a rehearsal.
  std::string sigstore_url;
  std::filesystem::path sigstore_trusted_root;
  bool sigstore_real = false;
};

// Everything a step sees of the run.
struct StepContext {
  std::string step_id;
  Version release;
  json with;                   // parameters, templates already expanded
  std::filesystem::path repo;  // the repository the run works in
  std::filesystem::path state_dir;
  std::filesystem::path artifacts_dir;  // <state>/artifacts, exists
  std::filesystem::path work_dir;       // <state>/work/<step>, scratch, exists
  RunMode mode = RunMode::rehearse;
  bool ci = false;           // --ci: never ask questions
  bool interactive = false;  // a terminal is attached and questions may be asked
  bool assume_yes = false;   // --yes
  Sandbox sandbox;           // set in rehearsals
  StepLog* log = nullptr;    // logs/<step>.log; never null while a step runs
  Redactor* redactor = nullptr;

  // Data this step saved before doing something it may need to recognise
  // after a crash (the parent of a commit, the commits already picked). It
  // survives failures of the step and is cleared by `relman retry`.
  json checkpoint = json::object();
  // Journals `data` (merged into `checkpoint`) and fsyncs before returning.
  std::function<void(const json& data)> save_checkpoint;
  // A live progress line ("export: 41% 52 MB"); a terminal shows it in place,
  // otherwise it is printed every few seconds.
  std::function<void(const std::string& line)> progress;

  // Registers a secret: it is replaced by "***" in the journal, logs and
  // errors from now on. One too short to mask fails the step (StepError).
  void add_secret(const std::string& s, const std::string& source = "") const;
  // Parameter helpers: throw StepError naming the step and parameter.
  std::string str(const std::string& key, const std::string& fallback) const;
  std::string str(const std::string& key) const;                // required
  std::vector<std::string> list(const std::string& key) const;  // string or list
  bool flag(const std::string& key, bool fallback) const;
  long long integer(const std::string& key, long long fallback) const;
  bool has(const std::string& key) const { return with.contains(key) && !with[key].is_null(); }
  // A path parameter relative to the repository unless absolute.
  std::filesystem::path repo_path(const std::string& p) const;
  // A path relative to the artifacts directory unless absolute.
  std::filesystem::path artifact_path(const std::string& p) const;
};

enum class ProbeResult { done, not_done, unknown };
std::string to_string(ProbeResult r);

struct ProbeOutcome {
  ProbeResult result = ProbeResult::unknown;
  json outputs = json::object();  // when done: the outputs run() would have returned
  std::string detail;             // why; shown to the release manager
};

// One instance per kind serves every step of that kind, from several worker
// threads at once: implementations keep no mutable state.
class StepKind {
 public:
  virtual ~StepKind() = default;
  // The kind's name is the one it is registered under (RELMAN_REGISTER_STEP).
  virtual Effect effect() const = 0;
  // A gate waits for a release manager's approval: the engine pauses the
  // run at it instead of calling run(), and `relman approve` passes it.
  virtual bool is_gate() const { return false; }
  virtual std::vector<ParamSpec> params() const = 0;
  // Output keys run() returns; templates may name only these.
  virtual std::vector<std::string> outputs() const { return {}; }
  // Extra checks at load time on the raw parameters (templates unexpanded):
  // return problems as messages, the loader adds file:line:column.
  virtual std::vector<std::string> validate(const json& /*with*/) const { return {}; }
  // Does the work; throws StepError with a message a release manager can act
  // on. The message does not name the step: every display of a failure
  // (the progress line, status, report, JUnit) already does.
  virtual json run(StepContext& ctx) const = 0;
  // Is the effect already in place? Called when a run died during this step.
  virtual ProbeOutcome probe(StepContext& ctx) const = 0;
};

// Registration by name; each step file holds one `static StepRegistration`.
class StepRegistry {
 public:
  using Factory = std::function<std::unique_ptr<StepKind>()>;
  static StepRegistry& instance();
  void add(const std::string& name, Factory f);
  const StepKind* find(const std::string& name) const;  // nullptr if unknown
  std::vector<std::string> names() const;               // sorted

 private:
  std::vector<std::pair<std::string, std::unique_ptr<StepKind>>> kinds_;
};

struct StepRegistration {
  StepRegistration(const std::string& name, StepRegistry::Factory f) {
    StepRegistry::instance().add(name, std::move(f));
  }
};

// In a step's .cpp: RELMAN_REGISTER_STEP(GitTag, "git.tag");
#define RELMAN_REGISTER_STEP(Class, Name) \
  static const ::relman::StepRegistration relman_registration_##Class(Name, [] { return std::make_unique<Class>(); })

}  // namespace relman
