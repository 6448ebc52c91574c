// Unpacking release tarballs when the disk or the archive gives out: a file
// that cannot be written whole is an error naming it, and nothing partial or
// zero-padded stays under its name for a build to trip over.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "adapters/untar.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using test::quote;
using test::read_file;
using test::sh_ok;
using test::TempDir;
using test::write_file;

// Bytes that no compressor or filesystem shrinks, different for each seed.
std::string noise(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

// A small tmpfs mounted for one test: a real filesystem that fills up.
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0)
      mounted_ = true;
    else
      error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string error_;
};

// Every regular file under `root` has the bytes of the same path under `src`.
void expect_every_file_whole(const fs::path& root, const fs::path& src) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const auto rel = e.path().lexically_relative(root);
    ASSERT_TRUE(fs::exists(src / rel)) << rel << " was not in the archive";
    EXPECT_TRUE(read_file(e.path()) == read_file(src / rel)) << rel << " differs from the archived file";
  }
}

TEST(Untar, ADiskThatFillsUpIsAnErrorNamingTheFileAndLeavesNoPartialFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root (the disk-full case is not tested)";
  TempDir dir;
  // Sorted in the archive: a small file that fits, one that does not, one after.
  const fs::path src = dir / "src";
  write_file(src / "Pkg" / "a-small.txt", std::string(10 * 1024, 's'));
  write_file(src / "Pkg" / "b-big.bin", noise(900 * 1024, 1));
  write_file(src / "Pkg" / "c-after.txt", "after\n");
  sh_ok("tar --sort=name -czf " + quote((dir / "pkg.tgz").string()) + " -C " + quote(src.string()) + " Pkg");

  SmallDisk disk(dir / "disk", "512k");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.error() << "); the disk-full case is not tested";
  const fs::path dest = dir / "disk" / "build";
  try {
    untar::extract(dir / "pkg.tgz", dest);
    FAIL() << "extracting 900 KB onto a 512 KB filesystem succeeded";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'Pkg/b-big.bin'"), std::string::npos) << what;
    EXPECT_NE(what.find("No space left on device"), std::string::npos) << what;
    EXPECT_NE(what.find((dir / "pkg.tgz").string()), std::string::npos) << what;
    EXPECT_NE(what.find("free some space"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(dest / "Pkg" / "b-big.bin")) << "a partly written file stayed under its final name";
  EXPECT_FALSE(fs::exists(dest / "Pkg" / "c-after.txt")) << "unpacking went on after the failure";
  EXPECT_TRUE(fs::exists(dest / "Pkg" / "a-small.txt"));
  expect_every_file_whole(dest, src);
}

TEST(Untar, ATarballCutShortLeavesNoPartialFile) {
  TempDir dir;
  const fs::path src = dir / "src";
  write_file(src / "Pkg" / "a-first.txt", "first\n");
  write_file(src / "Pkg" / "b-cut.bin", noise(200 * 1024, 2));
  sh_ok("tar --sort=name --format=ustar -cf " + quote((dir / "pkg.tar").string()) + " -C " + quote(src.string()) + " Pkg");
  // Cut in the middle of b-cut.bin's data, as a download that stopped would.
  const std::string whole = read_file(dir / "pkg.tar");
  const size_t at = whole.find(read_file(src / "Pkg" / "b-cut.bin").substr(0, 64)) + 100 * 1024;
  ASSERT_LT(at, whole.size());
  write_file(dir / "cut.tar", whole.substr(0, at));

  const fs::path dest = dir / "out";
  try {
    untar::extract(dir / "cut.tar", dest);
    FAIL() << "a tarball cut in the middle of a file was extracted without an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'Pkg/b-cut.bin'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dest / "Pkg" / "b-cut.bin")) << "the cut file stayed under its final name";
  EXPECT_EQ(read_file(dest / "Pkg" / "a-first.txt"), "first\n");
  expect_every_file_whole(dest, src);
}

TEST(Untar, AWholeTarballIsExtractedByteForByte) {
  TempDir dir;
  const fs::path src = dir / "src";
  write_file(src / "Pkg" / "configure", "#!/bin/sh\necho configured\n");
  write_file(src / "Pkg" / "Python" / "big.bin", noise(300 * 1024, 3));
  write_file(src / "Pkg" / "empty", "");
  fs::permissions(src / "Pkg" / "configure", fs::perms::owner_exec, fs::perm_options::add);
  sh_ok("tar --sort=name -cJf " + quote((dir / "pkg.tar.xz").string()) + " -C " + quote(src.string()) + " Pkg");

  const auto stats = untar::extract(dir / "pkg.tar.xz", dir / "out");
  EXPECT_EQ(stats.bytes, 300u * 1024 + 26);
  expect_every_file_whole(dir / "out", src);
  EXPECT_TRUE(fs::exists(dir / "out" / "Pkg" / "empty"));
  EXPECT_EQ(sh_ok("./configure", dir / "out" / "Pkg"), "configured\n");
}

}  // namespace
}  // namespace relman
