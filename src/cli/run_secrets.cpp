#include "cli/run_secrets.h"

#include <fmt/format.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "adapters/credentials.h"
#include "adapters/durable.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

// Where a secret would show through masking: inside a text the journal
// keeps unmasked (journal_structural_fields) or a key it writes. A secret
// that is part of the workflow file is no secret anyway.
std::optional<std::string> unmaskable_place(const OpenRun& run, const std::string& secret) {
  static const char* words[] = {"run_started",   "run_resumed",    "run_finished", "workflow_changed",
                                "step_started",  "step_succeeded", "step_failed",  "step_skipped",
                                "step_waiting",  "step_approved",  "step_reset",   "step_checkpoint",
                                "workflow_hash", "outputs",        "reconciled",   "rehearse",
                                "execute",       "settings",       "attempt"};
  for (const char* w : words)
    if (std::string_view(w).find(secret) != std::string_view::npos) return fmt::format("the word '{}'", w);
  if (run.version.str().find(secret) != std::string::npos) return "the release's version";
  std::string text;
  try {
    text = durable::read_file(run.workflow.file);
  } catch (const std::exception&) {
  }
  if (text.find(secret) != std::string::npos) return "the workflow " + run.workflow.file.string();
  return std::nullopt;
}

}  // namespace

void register_secrets(OpenRun& run) {
  // sigstore.sign's default token variable, and the bearer token GitHub
  // Actions gives a job to ask for its OIDC token.
  std::set<std::string> names = {"GITHUB_TOKEN", "RELMAN_GPG_PASSPHRASE", "SIGSTORE_ID_TOKEN",
                                 "ACTIONS_ID_TOKEN_REQUEST_TOKEN"};
  for (const auto& step : run.workflow.steps)
    for (const char* key : {"token_env", "passphrase_env"})
      if (step.with.contains(key) && step.with[key].is_string()) names.insert(step.with[key].get<std::string>());
  for (const auto& name : names) {
    std::optional<std::string> value;
    try {
      value = credentials::lookup(name);
    } catch (const std::exception&) {
      // A credentials file with a bad mode: the step that needs it says so.
    }
    if (!value) continue;
    try {
      run.redactor.add(*value, name);
    } catch (const UnmaskableSecret& e) {
      throw ConfigError(e.what());
    }
    if (auto where = unmaskable_place(run, *value))
      throw ConfigError(
          fmt::format("the secret in {} also appears in {}, which relman writes unmasked (the journal "
                      "keeps the workflow's ids and its own words as they are); use another secret",
                      name, *where));
  }
}

}  // namespace relman::cli
