// OpenSSH known_hosts matching for ssh remotes. libgit2 1.5 leaves host key
// checking to the caller (1.6 added its own), so relman checks the key the
// server presents against ~/.ssh/known_hosts itself.
#pragma once

#include <string>

namespace relman::git {

enum class HostKeyCheck {
  match,     // a line names the host with this very key
  mismatch,  // the host is known with other keys of the same type, or this key is @revoked
  unknown,   // no line names the host
};

// `known_hosts` is the file's text; `host` as ssh writes it ("github.com", or
// "[host]:2222" for another port); `key_type` "ssh-ed25519", "ssh-rsa", ...;
// `raw_key` the key blob the server sent. Handles plain, comma-separated,
// wildcard, negated and hashed (|1|salt|hash) host patterns.
HostKeyCheck check_known_host(const std::string& known_hosts, const std::string& host, const std::string& key_type,
                              const std::string& raw_key);

// Does a line of `known_hosts` name `host` (not only as @revoked or
// @cert-authority)? What a push's host-key check needs to find a key to
// compare with: `relman doctor` asks it before the day.
bool host_is_listed(const std::string& known_hosts, const std::string& host);

// base64 helpers (OpenSSL), exposed for tests.
std::string base64_encode(const std::string& bytes);
std::string base64_decode(const std::string& text);  // empty on invalid input

}  // namespace relman::git
