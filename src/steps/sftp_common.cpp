#include "steps/sftp_common.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps::sftp_common {

unsigned mode_param(const StepContext& ctx, const std::string& name, unsigned fallback) {
  std::string v = ctx.str(name, "");
  if (v.empty()) return fallback;
  if (v.size() > 4 || v.find_first_not_of("01234567") != std::string::npos)
    throw StepError(fmt::format("{} '{}' is not an octal mode; write e.g. \"664\"", name, v));
  return static_cast<unsigned>(std::stoul(v, nullptr, 8));
}

std::unique_ptr<sftp::Session> open(const StepContext& ctx, const std::string& url, const std::string& key) {
  try {
    auto target = sftp::parse_url(url);
    if (ctx.mode == RunMode::rehearse && !http::is_loopback(url))
      throw StepError(fmt::format("a rehearsal connects only to loopback servers, not {}", http::redact_url(url)));
    return std::make_unique<sftp::Session>(target, sftp::login_from_env(key));
  } catch (const sftp::Error& e) {
    throw StepError(e.what());
  }
}

void set_permissions(sftp::Session& s, const std::string& path, unsigned mode, const std::string& group,
                     const StepContext& ctx) {
  auto st = s.stat(path);
  if (!st) throw StepError(fmt::format("{} vanished from the server while relman set its mode", path));
  if (st->mode != mode) {
    s.chmod(path, mode);
    ctx.log->line(fmt::format("chmod {:o} {}", mode, path));
  }
  const bool numeric = !group.empty() && group.find_first_not_of("0123456789") == std::string::npos;
  if (!group.empty() && !(numeric && st->gid == std::stoul(group))) {
    s.chgrp(path, group);
    ctx.log->line(fmt::format("chgrp {} {}", group, path));
  }
}

}  // namespace relman::steps::sftp_common
