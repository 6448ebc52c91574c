// The person git knows: user.name and user.email from the repository's
// configuration (which includes the global and system files).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace relman::git {

// "Name <email>", or the one of them that is set; nullopt when neither is.
// `repo` may be empty or not a repository: the user's global configuration
// is read then.
std::optional<std::string> configured_identity(const std::filesystem::path& repo);

}  // namespace relman::git
