// The credentials a run's steps may read, masked in everything the run
// writes from its first event on.
#pragma once

#include "cli/open_run.h"

namespace relman::cli {

// Adds every credential a step of this workflow may read (GITHUB_TOKEN,
// RELMAN_GPG_PASSPHRASE, SIGSTORE_ID_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN,
// each step's token_env / passphrase_env) to the
// run's redactor before the first event, not only from the moment a step
// reads it: a step that runs earlier (an exec printing its environment) or a
// resumed run must not leak it either. A ConfigError when one cannot be
// masked, or appears in what the journal keeps unmasked.
void register_secrets(OpenRun& run);

}  // namespace relman::cli
