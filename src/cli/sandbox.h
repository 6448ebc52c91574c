// The rehearsal sandbox: a local clone of the repository in the state
// directory, every remote replaced by a local bare mirror, a throwaway GPG
// key, and directories standing in for upload servers and mail. A rehearsal
// runs the whole release for real in here and changes nothing outside.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "cli/sandbox_remotes.h"

namespace relman::cli {

struct SandboxInfo {
  std::filesystem::path root;
  std::filesystem::path workspace;  // the clone the workflow runs in
  std::filesystem::path gnupghome;  // empty when --sign-with uses the real keyring
  std::string signing_key;          // fingerprint
  struct Remote {
    std::string url;                            // the real one, never touched
    std::filesystem::path mirror;               // the bare stand-in
    std::map<std::string, std::string> before;  // ref -> sha when the rehearsal began
  };
  // Named remotes of the repository, and remotes a push step gives as a path
  // or URL that the repository does not name (keyed by that path or URL).
  std::map<std::string, Remote> remotes;
  // Every remote a push step names, as it names it -> key in `remotes`.
  std::map<std::string, std::string> targets;
  nlohmann::json describe() const;
  static SandboxInfo from_json(const nlohmann::json& j);
};

// Builds the sandbox under `root` from `repo`, with a mirror for every
// remote of the repository and for every remote in `pushes`, whatever its
// form. Throws ConfigError/StepError with what to do when the repository
// cannot be cloned or a remote in `pushes` cannot be mapped to a mirror.
SandboxInfo make_sandbox(const std::filesystem::path& repo, const std::filesystem::path& root, const Options& o,
                         const std::vector<RemoteUse>& pushes = {});

// What the steps of a run see of the sandbox: where uploads and messages go,
// and the mirror standing in for each remote a push may name.
Sandbox step_sandbox(const SandboxInfo& sb);

// Points GNUPGHOME at the sandbox's keyring for this process (resume too).
void enter_sandbox(const SandboxInfo& sb);

// Stops the gpg-agent the sandbox's keyring started; a resume starts another.
void leave_sandbox(const SandboxInfo& sb);

// What a real run would have changed: refs per remote, files per upload
// target, messages in the outbox. Lines for people.
std::vector<std::string> sandbox_changes(const SandboxInfo& sb);

}  // namespace relman::cli
