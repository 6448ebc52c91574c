// Unpacking release tarballs and CI artifact zips under one set of rules: a
// file that cannot be written whole is an error naming it, and nothing
// partial or zero-padded stays under its name for a build to trip over;
// nothing lands outside the destination whatever the archive's format; sizes
// are capped by bytes written, not by what headers claim.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "adapters/unpack.h"
#include "support/matchers.h"
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

// `s` as a Python bytes-safe string literal.
std::string py(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) out += fmt::format("\\x{:02x}", c);
  return out + "\"";
}
std::string py_bytes(const std::string& s) { return "b" + py(s); }

// A small tmpfs mounted for one test: a real filesystem that fills up.
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0) mounted_ = true;
    else error_ = std::strerror(errno);
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

TEST(UnpackTar, ADiskThatFillsUpIsAnErrorNamingTheFileAndLeavesNoPartialFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root (the disk-full case is not tested)";
  TempDir dir;
  // Sorted in the archive: a small file that fits, one that does not, one after.
  const fs::path src = dir / "src";
  write_file(src / "Pkg" / "a-small.txt", std::string(10 * 1024, 's'));
  write_file(src / "Pkg" / "b-big.bin", noise(900 * 1024, 1));
  write_file(src / "Pkg" / "c-after.txt", "after\n");
  sh_ok("tar --sort=name -czf " + quote((dir / "pkg.tgz").string()) + " -C " + quote(src.string()) + " Pkg");

  SmallDisk disk(dir / "disk", "512k");
  if (!disk.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.error() << "); the disk-full case is not tested";
  const fs::path dest = dir / "disk" / "build";
  try {
    unpack::tar(dir / "pkg.tgz", dest);
    FAIL() << "extracting 900 KB onto a 512 KB filesystem succeeded";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("'Pkg/b-big.bin'")) << what;
    EXPECT_THAT(what, HasSubstr("No space left on device")) << what;
    EXPECT_THAT(what, HasSubstr((dir / "pkg.tgz").string())) << what;
    EXPECT_THAT(what, HasSubstr("free some space")) << what;
  }
  EXPECT_FALSE(fs::exists(dest / "Pkg" / "b-big.bin")) << "a partly written file stayed under its final name";
  EXPECT_FALSE(fs::exists(dest / "Pkg" / "c-after.txt")) << "unpacking went on after the failure";
  EXPECT_TRUE(fs::exists(dest / "Pkg" / "a-small.txt"));
  expect_every_file_whole(dest, src);
}

TEST(UnpackTar, ATarballCutShortLeavesNoPartialFile) {
  TempDir dir;
  const fs::path src = dir / "src";
  write_file(src / "Pkg" / "a-first.txt", "first\n");
  write_file(src / "Pkg" / "b-cut.bin", noise(200 * 1024, 2));
  sh_ok("tar --sort=name --format=ustar -cf " + quote((dir / "pkg.tar").string()) + " -C " + quote(src.string()) +
        " Pkg");
  // Cut in the middle of b-cut.bin's data, as a download that stopped would.
  const std::string whole = read_file(dir / "pkg.tar");
  const size_t at = whole.find(read_file(src / "Pkg" / "b-cut.bin").substr(0, 64)) + 100 * 1024;
  ASSERT_LT(at, whole.size());
  write_file(dir / "cut.tar", whole.substr(0, at));

  const fs::path dest = dir / "out";
  EXPECT_THAT([&] { unpack::tar(dir / "cut.tar", dest); },
              ThrowsMessage<std::runtime_error>(HasSubstr("'Pkg/b-cut.bin'")));
  EXPECT_FALSE(fs::exists(dest / "Pkg" / "b-cut.bin")) << "the cut file stayed under its final name";
  EXPECT_EQ(read_file(dest / "Pkg" / "a-first.txt"), "first\n");
  expect_every_file_whole(dest, src);
}

TEST(UnpackTar, AWholeTarballIsExtractedByteForByte) {
  TempDir dir;
  const fs::path src = dir / "src";
  write_file(src / "Pkg" / "configure", "#!/bin/sh\necho configured\n");
  write_file(src / "Pkg" / "Python" / "big.bin", noise(300 * 1024, 3));
  write_file(src / "Pkg" / "empty", "");
  fs::permissions(src / "Pkg" / "configure", fs::perms::owner_exec, fs::perm_options::add);
  sh_ok("tar --sort=name -cJf " + quote((dir / "pkg.tar.xz").string()) + " -C " + quote(src.string()) + " Pkg");

  const auto stats = unpack::tar(dir / "pkg.tar.xz", dir / "out");
  EXPECT_EQ(stats.bytes, 300u * 1024 + 26);
  expect_every_file_whole(dir / "out", src);
  EXPECT_TRUE(fs::exists(dir / "out" / "Pkg" / "empty"));
  EXPECT_EQ(sh_ok("./configure", dir / "out" / "Pkg"), "configured\n");
}

// Writes an archive with Python's zipfile or tarfile, which (unlike zip and
// tar) write any name, symlink and size header a hostile archive could hold.
void python(const std::string& script, const fs::path& cwd) {
  write_file(cwd / "make_archive.py", script);
  sh_ok("python3 make_archive.py", cwd);
}

// A zip with `member` holding `data` (a symlink to `link` when given).
void zip_with(const fs::path& dir, const std::string& member, const std::string& data = "x",
              const std::string& link = {}) {
  python(fmt::format(R"(import zipfile, stat
with zipfile.ZipFile("a.zip", "w") as z:
    z.writestr("ok.txt", "fine\n")
    info = zipfile.ZipInfo({})
    if {}:
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, {})
    else:
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        z.writestr(info, {})
)",
                     py(member), link.empty() ? "False" : "True", py(link), py_bytes(data)),
         dir);
}

// A tar with `member` holding `data` (a symlink to `link` when given).
void tar_with(const fs::path& dir, const std::string& member, const std::string& data = "x",
              const std::string& link = {}) {
  python(fmt::format(R"(import tarfile, io
with tarfile.open("a.tar", "w") as t:
    ok = tarfile.TarInfo("ok.txt"); ok.size = 5
    t.addfile(ok, io.BytesIO(b"fine\n"))
    info = tarfile.TarInfo({})
    if {}:
        info.type = tarfile.SYMTYPE
        info.linkname = {}
        t.addfile(info)
    else:
        data = {}
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
)",
                     py(member), link.empty() ? "False" : "True", py(link), py_bytes(data)),
         dir);
}

enum class Kind { tar, zip };

unpack::Stats unpack_as(Kind kind, const fs::path& dir, const fs::path& dest, const unpack::Options& o = {}) {
  return kind == Kind::tar ? unpack::tar(dir / "a.tar", dest, o) : unpack::zip(dir / "a.zip", dest, o);
}

void make(Kind kind, const fs::path& dir, const std::string& member, const std::string& data = "x",
          const std::string& link = {}) {
  kind == Kind::tar ? tar_with(dir, member, data, link) : zip_with(dir, member, data, link);
}

class Unpack : public ::testing::TestWithParam<Kind> {};

// The one confinement rule, for both formats: the message names the entry
// and nothing is written where the entry pointed.
TEST_P(Unpack, AnEntryThatClimbsOutWithDotDotIsRefusedAndNothingLandsOutside) {
  TempDir dir;
  make(GetParam(), dir.path(), "../escaped.txt", "pwned\n");
  EXPECT_THAT([&] { unpack_as(GetParam(), dir.path(), dir / "out"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("unsafe path '../escaped.txt'")));
  EXPECT_FALSE(fs::exists(dir / "escaped.txt"));
}

TEST_P(Unpack, AnAbsoluteEntryIsRefused) {
  TempDir dir;
  const auto target = dir / "abs" / "escaped.txt";
  make(GetParam(), dir.path(), target.string(), "pwned\n");
  EXPECT_THAT([&] { unpack_as(GetParam(), dir.path(), dir / "out"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("unsafe path '" + target.string() + "'")));
  EXPECT_FALSE(fs::exists(target));
}

TEST_P(Unpack, ASymlinkPointingOutsideIsRefused) {
  TempDir dir;
  write_file(dir / "secret.txt", "secret\n");
  make(GetParam(), dir.path(), "sub/link", "", "../../secret.txt");
  EXPECT_THAT([&] { unpack_as(GetParam(), dir.path(), dir / "out"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("symlink 'sub/link' pointing outside")));
  EXPECT_FALSE(fs::is_symlink(dir / "out" / "sub" / "link"));
}

TEST_P(Unpack, AnAbsoluteSymlinkIsRefused) {
  TempDir dir;
  make(GetParam(), dir.path(), "passwd", "", "/etc/passwd");
  EXPECT_THROW(unpack_as(GetParam(), dir.path(), dir / "out"), std::runtime_error);
  EXPECT_FALSE(fs::is_symlink(dir / "out" / "passwd"));
}

TEST_P(Unpack, ASymlinkInsideTheDestinationIsKept) {
  TempDir dir;
  make(GetParam(), dir.path(), "docs/readme", "", "../ok.txt");
  unpack_as(GetParam(), dir.path(), dir / "out");
  ASSERT_TRUE(fs::is_symlink(dir / "out" / "docs" / "readme"));
  EXPECT_EQ(read_file(dir / "out" / "docs" / "readme"), "fine\n");
}

TEST_P(Unpack, AMemberLargerThanTheLimitIsRefusedAndRemoved) {
  TempDir dir;
  make(GetParam(), dir.path(), "big.bin", noise(64 * 1024, 4));
  unpack::Options o;
  o.limits.max_entry_bytes = 16 * 1024;
  EXPECT_THAT([&] { unpack_as(GetParam(), dir.path(), dir / "out", o); },
              ThrowsMessage<std::runtime_error>(AllOf(HasSubstr("'big.bin'"), HasSubstr("limit of 16384 bytes"))));
  EXPECT_FALSE(fs::exists(dir / "out" / "big.bin"));
  EXPECT_EQ(read_file(dir / "out" / "ok.txt"), "fine\n");
}

TEST_P(Unpack, AnArchiveLargerThanTheTotalLimitIsRefused) {
  TempDir dir;
  make(GetParam(), dir.path(), "big.bin", noise(64 * 1024, 5));
  unpack::Options o;
  o.limits.max_total_bytes = 32 * 1024;
  EXPECT_THAT([&] { unpack_as(GetParam(), dir.path(), dir / "out", o); },
              ThrowsMessage<std::runtime_error>(HasSubstr("unpacks to more than the limit")));
  EXPECT_FALSE(fs::exists(dir / "out" / "big.bin"));
}

TEST_P(Unpack, TooManyEntriesAreRefused) {
  TempDir dir;
  make(GetParam(), dir.path(), "second.txt");
  unpack::Options o;
  o.limits.max_entries = 1;
  EXPECT_THAT([&] { unpack_as(GetParam(), dir.path(), dir / "out", o); },
              ThrowsMessage<std::runtime_error>(HasSubstr("more than 1 entries")));
}

TEST_P(Unpack, AWellFormedArchiveIsExtractedWithStats) {
  TempDir dir;
  make(GetParam(), dir.path(), "dir/data.bin", noise(10 * 1024, 6));
  unpack::Options o;
  o.durable = true;
  uint64_t calls = 0;
  o.progress = [&](const unpack::Stats&) { ++calls; };
  const auto stats = unpack_as(GetParam(), dir.path(), dir / "out", o);
  EXPECT_EQ(read_file(dir / "out" / "ok.txt"), "fine\n");
  EXPECT_EQ(read_file(dir / "out" / "dir" / "data.bin"), noise(10 * 1024, 6));
  EXPECT_EQ(stats.bytes, 5u + 10 * 1024);
  EXPECT_EQ(calls, stats.entries);
}

INSTANTIATE_TEST_SUITE_P(Formats, Unpack, ::testing::Values(Kind::tar, Kind::zip),
                         [](const auto& info) { return info.param == Kind::tar ? "tar" : "zip"; });

// Links through links: each link is inside on paper ("sub/up -> .." lands
// on the destination itself), but following them leads out.
TEST(UnpackTar, ASymlinkLeadingOutThroughAnotherLinkIsRefused) {
  TempDir dir;
  write_file(dir / "secret.txt", "secret\n");
  python(R"(import tarfile
with tarfile.open("a.tar", "w") as t:
    for name, target in (("sub/up", ".."), ("out", "sub/up/../..")):
        info = tarfile.TarInfo(name)
        info.type = tarfile.SYMTYPE
        info.linkname = target
        t.addfile(info)
)",
         dir.path());
  EXPECT_THAT([&] { unpack::tar(dir / "a.tar", dir / "dest"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("symlink 'out'")));
  EXPECT_FALSE(fs::exists(dir / "dest" / "out"));
}

TEST(UnpackZip, AFileThatIsNotAZipIsAnErrorNamingIt) {
  TempDir dir;
  write_file(dir / "a.zip", "<html>not a zip</html>");
  EXPECT_THAT([&] { unpack::zip(dir / "a.zip", dir / "out"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("cannot read zip " + (dir / "a.zip").string())));
}

TEST(UnpackZip, AZipMadeByTheZipToolIsExtractedWhole) {
  TempDir dir;
  write_file(dir / "src" / "dist" / "Python-3.14.0.tgz", noise(50 * 1024, 7));
  write_file(dir / "src" / "dist" / "notes.txt", "notes\n");
  sh_ok("zip -qr ../a.zip dist", dir / "src");
  const auto stats = unpack::zip(dir / "a.zip", dir / "out");
  expect_every_file_whole(dir / "out", dir / "src");
  EXPECT_EQ(stats.bytes, 50u * 1024 + 6);
}

}  // namespace
}  // namespace relman
