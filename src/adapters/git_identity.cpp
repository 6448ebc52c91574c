#include "adapters/git_identity.h"

#include "adapters/git.h"

namespace relman::git {

namespace {

std::string get(git_config* cfg, const char* key) {
  Buf buf;
  if (git_config_get_string_buf(&buf.buf, cfg, key) < 0) return {};
  return buf.str();
}

}  // namespace

std::optional<std::string> configured_identity(const std::filesystem::path& repo) {
  ensure_init();
  Repository r;
  if (!repo.empty()) {
    git_repository* raw = nullptr;
    if (git_repository_open_ext(&raw, repo.c_str(), 0, nullptr) == 0) r.reset(raw);
  }
  Config cfg;
  {
    git_config* raw = nullptr;
    if ((r ? git_repository_config_snapshot(&raw, r.get()) : git_config_open_default(&raw)) < 0) return std::nullopt;
    cfg.reset(raw);
  }
  std::string name = get(cfg.get(), "user.name");
  std::string email = get(cfg.get(), "user.email");
  if (name.empty() && email.empty()) return std::nullopt;
  if (name.empty()) return "<" + email + ">";
  if (email.empty()) return name;
  return name + " <" + email + ">";
}

}  // namespace relman::git
