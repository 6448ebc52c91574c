// The Sigstore a rehearsal signs against: Fulcio (v2 signingCert) and Rekor
// (v1 hashedrekord entries, search by digest, inclusion proofs with signed
// checkpoints) for a throwaway instance whose CA and log keys live in the
// sandbox. Its state survives the process, so a rehearsal killed mid-signing
// resumes against the same log and finds the entry it already made. Nothing
// it issues is trusted outside the sandbox: the trust root it writes is the
// only one that names its keys.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/loopback_server.h"
#include "adapters/sigstore_ca.h"

namespace relman::cli {

class SigstoreStandin {
 public:
  // Opens the instance kept in `dir`, creating its keys on first use.
  explicit SigstoreStandin(std::filesystem::path dir);

  // The HTTP side; `base_url` is where the server answers (checkpoints and
  // the trust root name it).
  loopback::Reply handle(const loopback::Request& req);
  void serve_at(const std::string& base_url);

  // trusted_root.json for this instance (media type 0.1).
  nlohmann::json trusted_root() const;
  // The log's entries, decoded, in log order.
  nlohmann::json entries() const;

 private:
  struct Entry {
    std::string uuid;  // hex leaf hash of body
    std::string body;  // canonical JSON of the hashedrekord
    std::int64_t integrated_time = 0;
    std::size_t index = 0;
    std::string set;  // base64 signed entry timestamp
    std::string sha256;
  };
  loopback::Reply signing_cert(const nlohmann::json& req);
  loopback::Reply add_entry(const nlohmann::json& req);
  nlohmann::json entry_json(const Entry& e) const;
  std::string checkpoint(std::size_t size, const std::string& root) const;
  void save_log() const;

  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::string base_url_;
  std::unique_ptr<sigstore::StandinKey> ca_key_, log_key_;
  std::unique_ptr<sigstore::Certificate> ca_;
  std::string log_id_;  // SHA-256 of the log key's DER, raw
  std::vector<Entry> log_;
};

// A stand-in serving on loopback for as long as it lives, with its
// trusted_root.json written to `dir`/trusted_root.json.
class RunningSigstoreStandin {
 public:
  explicit RunningSigstoreStandin(const std::filesystem::path& dir);
  std::string url() const { return server_.url(); }
  std::filesystem::path trusted_root_path() const { return dir_ / "trusted_root.json"; }
  SigstoreStandin& instance() { return standin_; }

 private:
  std::filesystem::path dir_;
  SigstoreStandin standin_;
  loopback::Server server_;
};

}  // namespace relman::cli
