// Who is acting (approving a gate, skipping a step, changing a setting):
// --as, else git's user.name <user.email>, else $USER. A real run refuses to
// record an approval by nobody; a rehearsal falls back to the account name.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace relman::cli {

std::optional<std::string> identity(const std::string& as, const std::filesystem::path& repo);

// identity(), or: in a real run a UsageError saying how to name oneself; in
// a rehearsal the account ("uid 1000 (no name configured)").
std::string identity_or_refuse(const std::string& as, const std::filesystem::path& repo, bool real_run);

}  // namespace relman::cli
