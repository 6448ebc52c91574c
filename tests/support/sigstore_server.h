// The loopback Fulcio + Rekor stand-in (tests/server/fake_sigstore.py) as a
// real process for one test, with its trusted_root.json in a temp directory.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

namespace relman::test {

class SigstoreServer {
 public:
  // Starts the script and waits for its port; throws if it does not come up.
  SigstoreServer();
  ~SigstoreServer();  // SIGKILLs and reaps it
  SigstoreServer(const SigstoreServer&) = delete;
  SigstoreServer& operator=(const SigstoreServer&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT, Fulcio and Rekor alike
  const std::filesystem::path& trusted_root() const { return root_; }
  void configure(const nlohmann::json& patch);  // cert_validity, time_offset, faults, ambient
  nlohmann::json entries() const;               // the log's entries, decoded, in log order
  nlohmann::json requests() const;

 private:
  TempDir dir_;
  std::filesystem::path root_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// An unsigned JWT (alg none) with these claims, as the stand-in reads it; a
// random part makes each token unique (the secret-masking tests search for it).
std::string unsigned_jwt(const std::string& issuer, const std::string& email);

}  // namespace relman::test
