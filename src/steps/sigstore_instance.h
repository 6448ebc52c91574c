// Which Sigstore sigstore.sign and sigstore.verify talk to and whom they
// expect, decided once for both: in a rehearsal the sandbox's stand-in (its
// URL and trust root replace the workflow's), unless --sigstore-real; the
// signer a release expects comes from `identity`/`issuer` or from the
// `identities` table by the release's X.Y (release-tools' table of release
// managers, add_to_pydotorg.py).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "adapters/http.h"
#include "core/step_kind.h"

namespace relman::steps::sigstore {

struct Instance {
  std::string fulcio;
  std::string rekor;
  std::optional<std::filesystem::path> trusted_root;
  bool standin = false;  // the rehearsal's throwaway instance
};

// Throws StepError when a rehearsal without the stand-in (and without
// --sigstore-real) names an instance off loopback.
Instance instance_for(const StepContext& ctx);

// The trust root alone (verification talks to no server): the stand-in's in
// a rehearsal that runs one, else the step's 'trusted_root' if given.
std::optional<std::filesystem::path> trusted_root_for(const StepContext& ctx);

// The HTTP client's options: loopback only in a rehearsal, except the real
// instance that `rehearse --sigstore-real` asked for.
http::Options client_options(const StepContext& ctx);

struct Signer {
  std::string identity;
  std::string issuer;
};

// The identity a rehearsal's stand-in certifies when the workflow expects none.
inline const Signer kRehearsalSigner{"rehearsal@relman.invalid", "https://rehearsal.relman.invalid"};

// The signer the release must be signed by, when the step says (a
// StepError when its `identities` table has no entry for this X.Y).
std::optional<Signer> expected_signer(const StepContext& ctx);

// The params both kinds take to name the signer.
std::vector<ParamSpec> signer_params();

// An unsigned identity token (alg none) for the stand-in, which reads a
// token's claims and does not check who signed it.
std::string standin_token(const Signer& who);

}  // namespace relman::steps::sigstore
