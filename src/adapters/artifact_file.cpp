#include "adapters/artifact_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace relman {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

ArtifactFile::ArtifactFile(std::filesystem::path target) : target_(std::move(target)) {
  // Not beside the target: a killed export must leave nothing in artifacts/
  // that a checksum, signature or upload step would pick up.
  auto dir = durable::temp_dir_for(target_);
  // Built with append: g++ 12 warns falsely (-Wrestrict) on "." + string&&.
  std::string name = std::to_string(::getpid());
  name.append("-").append(target_.filename().string()).append(".XXXXXX");
  std::string pattern = (dir / name).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  int fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) fail("cannot create a file in " + dir.string());
  fd_.reset(fd);
  tmp_ = buf.data();
}

ArtifactFile::~ArtifactFile() {
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void ArtifactFile::write(const void* data, size_t size) {
  durable::write_all(fd_.get(), std::string_view(static_cast<const char*>(data), size));
  hash_.update(data, size);
  size_ += size;
}

std::string ArtifactFile::commit() {
  if (::fchmod(fd_.get(), 0644) != 0) fail("cannot set the mode of " + tmp_.string());
  if (::fsync(fd_.get()) != 0) fail("cannot fsync " + tmp_.string());
  if (::close(fd_.release()) != 0) fail("cannot close " + tmp_.string());
  if (::rename(tmp_.c_str(), target_.c_str()) != 0)
    fail("cannot rename " + tmp_.string() + " onto " + target_.string());
  committed_ = true;
  durable::fsync_path(target_.parent_path());
  return hash_.hex();
}

}  // namespace relman
