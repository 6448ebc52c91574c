#include "cli/identity.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "adapters/git_identity.h"
#include "core/errors.h"

namespace relman::cli {

namespace {

std::optional<std::string> identity(const std::string& as, const std::filesystem::path& repo) {
  if (!as.empty()) return as;
  try {
    if (auto id = git::configured_identity(repo)) return id;
  } catch (const std::exception&) {
    // An unreadable configuration: fall through to $USER.
  }
  if (const char* user = std::getenv("USER"); user && *user) return std::string(user);
  return std::nullopt;
}

}  // namespace

std::string identity_or_refuse(const std::string& as, const std::filesystem::path& repo, bool real_run) {
  if (auto id = identity(as, repo)) return *id;
  if (real_run)
    throw UsageError(
        "a real release records who approves its gates, and relman cannot tell who you are: "
        "no --as, no git user.name or user.email, no $USER",
        "pass --as \"Your Name <you@example.org>\", or set `git config --global user.name` and "
        "`git config --global user.email`");
  const uid_t uid = ::getuid();
  if (const passwd* pw = ::getpwuid(uid); pw && pw->pw_name && *pw->pw_name)
    return fmt::format("{} (uid {}, no name configured)", pw->pw_name, uid);
  return fmt::format("uid {} (no name configured)", uid);
}

}  // namespace relman::cli
