// The release folder on the downloads server, read as add_to_pydotorg.py
// reads it there: the names in it, and each file's size, SHA-256 and MD5,
// streamed (installers are tens of megabytes). Over SFTP
// (sftp://USER@HOST/PATH/, the key and known_hosts as every SFTP step finds
// them) or from a local folder (absolute, or file://).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/step_kind.h"

namespace relman::steps {

// An absolute path or a file:// URL: a folder on this machine.
bool is_local_folder(const std::string& url);

struct FileFacts {
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex
  std::string md5;     // lowercase hex
};

class DownloadFolder {
 public:
  // Throws StepError when the URL is neither sftp:// nor a local folder.
  DownloadFolder(const StepContext& ctx, std::string url);
  ~DownloadFolder();
  DownloadFolder(const DownloadFolder&) = delete;
  DownloadFolder& operator=(const DownloadFolder&) = delete;

  // The regular files' names, sorted; none when the folder does not exist.
  std::vector<std::string> names();
  FileFacts facts(const std::string& name);

 private:
  struct Remote;
  std::string url_;
  std::string shown_;  // the URL without credentials, for messages
  std::string path_;   // the folder's path, local or on the server
  std::string key_;
  std::unique_ptr<Remote> remote_;  // the SFTP session, opened once
  Remote& remote();
};

}  // namespace relman::steps
