// Who is acting (approving a gate, at the terminal or with `relman approve`;
// skipping a step; changing a setting): --as, else git's user.name
// <user.email>, else $USER. A real run refuses to record an act by nobody; a
// rehearsal falls back to the account name.
#pragma once

#include <filesystem>
#include <string>

namespace relman::cli {

// The one rule for it: the name, or in a real run without one a UsageError
// saying how to name oneself, or in a rehearsal the account
// ("uid 1000 (no name configured)").
std::string identity_or_refuse(const std::string& as, const std::filesystem::path& repo, bool real_run);

}  // namespace relman::cli
