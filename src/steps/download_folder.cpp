#include "steps/download_folder.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "adapters/http.h"
#include "adapters/md5.h"
#include "adapters/sftp.h"
#include "adapters/sha256.h"
#include "core/errors.h"

namespace relman::steps {

namespace fs = std::filesystem;

struct DownloadFolder::Remote {
  sftp::Target target;
  sftp::Session session;
  Remote(const sftp::Target& t, const std::string& key) : target(t), session(t, sftp::login_from_env(key)) {}
};

bool is_local_folder(const std::string& url) { return url.starts_with("/") || url.starts_with("file://"); }

DownloadFolder::DownloadFolder(const StepContext& ctx, std::string url)
    : url_(std::move(url)), shown_(is_local_folder(url_) ? url_ : http::redact_url(url_)), key_(ctx.str("key", "")) {
  if (is_local_folder(url_)) {
    path_ = url_.starts_with("file://") ? http::url_path(url_) : url_;
  } else if (url_.starts_with("sftp://")) {
    path_ = sftp::parse_url(url_).path;
  } else {
    throw StepError(fmt::format("the folder '{}' is neither sftp://USER@HOST/PATH/ nor a local folder", shown_));
  }
}

DownloadFolder::~DownloadFolder() = default;

DownloadFolder::Remote& DownloadFolder::remote() {
  if (!remote_) {
    try {
      remote_ = std::make_unique<Remote>(sftp::parse_url(url_), key_);
    } catch (const sftp::Error& e) {
      throw StepError(fmt::format("{}; fix that, then `relman resume`", e.what()));
    }
  }
  return *remote_;
}

std::vector<std::string> DownloadFolder::names() {
  std::vector<std::string> out;
  if (is_local_folder(url_)) {
    std::error_code ec;
    if (!fs::is_directory(path_, ec)) return out;
    for (const auto& e : fs::directory_iterator(path_, ec))
      if (e.is_regular_file(ec)) out.push_back(e.path().filename().string());
  } else {
    try {
      auto& r = remote();
      auto st = r.session.stat(path_);
      if (!st) return out;
      if (!st->directory) throw StepError(fmt::format("{} is a file, not the release folder", shown_));
      for (const auto& name : r.session.list(path_)) {
        auto f = r.session.stat(path_ + "/" + name);
        if (f && !f->directory) out.push_back(name);
      }
    } catch (const sftp::Error& e) {
      throw StepError(fmt::format("cannot list {}: {}; fix that, then `relman resume`", shown_, e.what()));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

FileFacts DownloadFolder::facts(const std::string& name) {
  Sha256 sha;
  Md5 md5;
  FileFacts f;
  auto take = [&](std::string_view chunk) {
    sha.update(chunk);
    md5.update(chunk);
    f.size += chunk.size();
  };
  if (is_local_folder(url_)) {
    std::ifstream in(fs::path(path_) / name, std::ios::binary);
    if (!in) throw StepError(fmt::format("cannot read {} in {}", name, shown_));
    std::vector<char> buf(size_t{64} * 1024);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      take(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    }
  } else {
    try {
      remote().session.read(path_ + "/" + name, take);
    } catch (const sftp::Error& e) {
      throw StepError(fmt::format("cannot read {} in {}: {}; fix that, then `relman resume`", name, shown_, e.what()));
    }
  }
  f.sha256 = sha.hex();
  f.md5 = md5.hex();
  return f;
}

}  // namespace relman::steps
