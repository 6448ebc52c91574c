// Which remotes a rehearsal's steps would write to, and in what form: a
// remote's name, a path, file://, scp-like user@host:path, ssh://, https://.
// Known before the first step, so that the sandbox maps every one of them
// to a local bare mirror, or the rehearsal refuses to start.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/version.h"
#include "core/workflow.h"

namespace relman::cli {

enum class RemoteForm { name, path, file_url, scp_like, url };
std::string to_string(RemoteForm f);

// How git reads `target`: a URL with a scheme, scp-like host:path (a colon
// before any slash), a path (anything with a slash, or "."), else a name.
RemoteForm classify_remote(const std::string& target);

// A form to compare two spellings of the same remote: local paths and
// file:// URLs as absolute normal paths (relative ones from `cwd`), other
// URLs without a trailing slash.
std::string normalize_remote(const std::string& target, const std::filesystem::path& cwd);

// For a path or file:// target: the directory it names (else empty).
std::filesystem::path remote_local_path(const std::string& target, const std::filesystem::path& cwd);

struct RemoteUse {
  std::string step;    // the step that pushes
  std::string target;  // as the step will see it (templates expanded)
  SourceLocation where;
};

// The remote of every git.push that may run: not skipped at start, its
// `when` true for `v`. Templates are expanded with the run's vars; a remote
// that only another step's outputs can tell is a ConfigError (a rehearsal
// must know every remote before it starts).
std::vector<RemoteUse> remotes_written(const Workflow& wf, const Version& v, const std::vector<std::string>& skipped,
                                       const std::filesystem::path& repo);

}  // namespace relman::cli
