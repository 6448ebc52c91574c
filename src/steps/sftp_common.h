// What the step kinds that work over SFTP share: the octal mode parameters,
// opening a session (a rehearsal reaches loopback servers only), and
// setting a path's mode and group only where they differ (on a shared
// folder only the owner may change them, as release-tools notes).
#pragma once

#include <memory>
#include <string>

#include "adapters/sftp.h"
#include "core/step_kind.h"

namespace relman::steps::sftp_common {

// Parameter `name` as an octal mode ("664"), or `fallback` when absent.
unsigned mode_param(const StepContext& ctx, const std::string& name, unsigned fallback);

// Connects to the server of `url` with the key file `key` (empty: the
// environment's, else the agent); sftp errors become StepError.
std::unique_ptr<sftp::Session> open(const StepContext& ctx, const std::string& url, const std::string& key);

// chmod `mode` and chgrp `group` (a name or a gid; empty: none) where the
// path differs, logging what changed.
void set_permissions(sftp::Session& s, const std::string& path, unsigned mode, const std::string& group,
                     const StepContext& ctx);

}  // namespace relman::steps::sftp_common
