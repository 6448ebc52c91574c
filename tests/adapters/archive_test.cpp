// The archive adapters on their own: the tar stream, gzip and xz encoders,
// atomic artifact files and exclude patterns, checked with the system tools.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "adapters/archive.h"
#include "adapters/artifact_file.h"
#include "adapters/sha256.h"
#include "adapters/tree_export.h"
#include "adapters/xz.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::read_file;
using test::sh_ok;
using test::TempDir;
using test::write_file;

std::string collect_into(std::string& out, const std::function<void(archive::Sink)>& produce) {
  produce([&out](const void* d, size_t n) { out.append(static_cast<const char*>(d), n); });
  return out;
}

std::string sample_bytes(size_t n) {
  // Compressible but not trivial: text-like lines with a counter.
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string(i * 7919 % 100003) + " of the sample text\n";
  s.resize(n);
  return s;
}

TEST(TarWriter, ListsEntriesWithNormalisedMetadata) {
  TempDir dir;
  std::string tar;
  std::string long_name = "P/" + std::string(120, 'd') + "/file-with-a-long-name.txt";
  {
    archive::TarWriter w([&](const void* d, size_t n) { tar.append(static_cast<const char*>(d), n); });
    w.directory("P/", 1700000000);
    w.file("P/README", "hello\n", 6, false, 1700000000);
    w.file("P/run.sh", "#!/bin/sh\n", 10, true, 1700000000);
    w.symlink("P/link", "README", 1700000000);
    w.file(long_name, "x", 1, false, 1700000000);
    w.finish();
  }
  EXPECT_EQ(tar.size() % 10240, 0u);
  write_file(dir / "t.tar", tar);
  std::string listing = sh_ok("TZ=UTC tar --numeric-owner --full-time -tvf t.tar | tr -s ' '", dir.path());
  EXPECT_THAT(listing, HasSubstr("drwxr-xr-x 0/0 0 2023-11-14 22:13:20 P/\n")) << listing;
  EXPECT_THAT(listing, HasSubstr("-rw-r--r-- 0/0 6 2023-11-14 22:13:20 P/README")) << listing;
  EXPECT_THAT(listing, HasSubstr("-rwxr-xr-x 0/0 10 2023-11-14 22:13:20 P/run.sh")) << listing;
  // A symlink as GNU tar --mode=go+u,go-w records it (release.py): 0755.
  EXPECT_THAT(listing, HasSubstr("lrwxr-xr-x 0/0 0 2023-11-14 22:13:20 P/link -> README")) << listing;
  EXPECT_THAT(listing, HasSubstr(long_name)) << listing;
  EXPECT_EQ(sh_ok("tar -xOf t.tar P/README", dir.path()), "hello\n");
  // Nothing of the writing machine leaks into the headers.
  EXPECT_THAT(tar, Not(HasSubstr("atime")));
  EXPECT_THAT(tar, Not(HasSubstr("ctime")));
  EXPECT_THAT(tar, Not(HasSubstr("root")));
}

TEST(TarWriter, NonAsciiNamesAreKeptByteForByte) {
  TempDir dir;
  std::string tar;
  collect_into(tar, [](archive::Sink sink) {
    archive::TarWriter w(std::move(sink));
    w.file("P/caf\xc3\xa9.txt", "x", 1, false, 0);
    w.finish();
  });
  write_file(dir / "t.tar", tar);
  sh_ok("mkdir out && tar -xf t.tar -C out", dir.path());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "P" / "caf\xc3\xa9.txt"));
}

TEST(GzipEncoder, RoundTripsWithoutNameOrTimestamp) {
  TempDir dir;
  std::string input = sample_bytes(3 << 20);
  std::string gz;
  collect_into(gz, [&](archive::Sink sink) {
    archive::GzipEncoder enc(9, std::move(sink));
    enc.write(input.data(), input.size() / 2);
    enc.write(input.data() + input.size() / 2, input.size() - input.size() / 2);
    enc.finish();
  });
  ASSERT_GT(gz.size(), 10u);
  EXPECT_LT(gz.size(), input.size() / 2);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_EQ(gz[3], 0) << "no FNAME or other optional fields";
  EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0')) << "mtime is zero";
  write_file(dir / "x.gz", gz);
  EXPECT_EQ(sh_ok("gzip -dc x.gz", dir.path()), input);
}

TEST(XzEncoder, SameBytesForAnyThreadCountAndRoundTrips) {
  TempDir dir;
  std::string input = sample_bytes(2 << 20);
  auto compress = [&](unsigned threads) {
    std::string out;
    collect_into(out, [&](xz::Sink sink) {
      xz::Encoder enc(6, threads, 256 << 10, std::move(sink));
      for (size_t off = 0; off < input.size(); off += 100000)
        enc.write(input.data() + off, std::min<size_t>(100000, input.size() - off));
      enc.finish();
    });
    return out;
  };
  std::string one = compress(1), two = compress(2), four = compress(4);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, four);
  write_file(dir / "x.xz", one);
  EXPECT_EQ(sh_ok("xz -dc x.xz", dir.path()), input);
  // Block mode: 2 MiB in 256 KiB blocks.
  std::string info = sh_ok("xz --robot -lv x.xz", dir.path());
  size_t blocks = 0;
  for (size_t p = info.find("\nblock\t"); p != std::string::npos; p = info.find("\nblock\t", p + 1)) ++blocks;
  EXPECT_EQ(blocks, 8u) << info;
  EXPECT_FALSE(xz::version().empty());
}

TEST(ArtifactFile, AppearsOnlyOnCommitWithMode0644AndItsHash) {
  TempDir dir;
  auto target = dir / "a.tgz";
  mode_t old = ::umask(077);
  {
    ArtifactFile f(target);
    f.write("abc", 3);
    EXPECT_FALSE(std::filesystem::exists(target));
    EXPECT_EQ(f.commit(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  {
    ArtifactFile f(dir / "b.tgz");
    f.write("partial", 7);
  }  // dropped: a crash or an error mid-way
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++n;
  EXPECT_EQ(n, 1u) << "only a.tgz; the abandoned temporary file is gone";
}

TEST(ArtifactFile, UnwritableDirectoryNamesIt) {
  TempDir dir;
  write_file(dir / "file", "not a directory");
  EXPECT_THAT([&] { ArtifactFile f(dir / "file" / "a.tgz"); },
              ThrowsMessage<std::system_error>(HasSubstr((dir / "file").string())));
}

TEST(PathExcluded, MatchesPathsFromTheTreeRoot) {
  std::vector<std::string> pep101 = {".gitattributes", ".github", ".azure-pipelines", "Misc/NEWS.d/next", "*.orig"};
  EXPECT_TRUE(path_excluded(".github", pep101));
  EXPECT_TRUE(path_excluded(".gitattributes", pep101));
  EXPECT_TRUE(path_excluded("Misc/NEWS.d/next", pep101));
  EXPECT_TRUE(path_excluded("Lib/x.py.orig", pep101)) << "'*' crosses '/'";
  EXPECT_FALSE(path_excluded("Lib/.gitattributes", pep101)) << "a plain name matches at the root only";
  EXPECT_FALSE(path_excluded("Misc/NEWS.d", pep101));
  EXPECT_FALSE(path_excluded(".githubx", pep101));
  EXPECT_TRUE(path_excluded("Lib/.gitattributes", {"*/.gitattributes"}));
}

TEST(TarballFormat, ParsesNamesAndSuffixes) {
  EXPECT_EQ(parse_tarball_format("tgz"), TarballFormat::tgz);
  EXPECT_EQ(parse_tarball_format("tar.xz"), TarballFormat::txz);
  EXPECT_EQ(tarball_suffix(TarballFormat::txz), ".tar.xz");
  EXPECT_THROW(parse_tarball_format("zip"), std::invalid_argument);
}

}  // namespace
}  // namespace relman
