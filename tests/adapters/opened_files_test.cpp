// What a process opened in a tree, by inotify: the files and listings a
// configure script read are its inputs, so a wrong set would keep a stale
// build configuration (a missed input) or never reuse one (a spurious one).
#include "adapters/opened_files.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using test::sh_ok;
using test::TempDir;
using test::write_file;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::Not;

TEST(OpenedFiles, RecordsWhatAChildProcessReadAndListedAndNothingElse) {
  TempDir t;
  write_file(t / "Makefile.pre.in", "all:\n");
  write_file(t / "Modules" / "Setup", "# setup\n");
  write_file(t / "Modules" / "untouched.c", "int x;\n");
  write_file(t / "Lib" / "deep" / "er" / "module.py", "pass\n");
  write_file(t / "Lib" / "deep" / "listed" / "a.py", "pass\n");
  write_file(t / "unread.txt", "no\n");

  OpenedFiles watch(t.path());
  sh_ok(
      "cat Makefile.pre.in Modules/Setup Lib/deep/er/module.py >/dev/null && ls Lib/deep/listed >/dev/null && "
      "test -f unread.txt && echo out > Makefile",
      t.path());
  const OpenedPaths seen = watch.stop();

  EXPECT_TRUE(seen.complete);
  EXPECT_THAT(seen.files, IsSupersetOf({"Makefile.pre.in", "Modules/Setup", "Lib/deep/er/module.py", "Makefile"}));
  EXPECT_THAT(seen.files, Not(Contains("unread.txt"))) << "a test -f opens nothing";
  EXPECT_THAT(seen.files, Not(Contains("Modules/untouched.c")));
  EXPECT_THAT(seen.dirs, Contains("Lib/deep/listed"));
  EXPECT_THAT(seen.dirs, Not(Contains("Modules")));
  // Stopping twice gives the same answer, and nothing after the first stop.
  write_file(t / "later.txt", "x\n");
  EXPECT_THAT(watch.stop().files, Not(Contains("later.txt")));
}

// The kernel queues 16,384 events by default (fs.inotify.max_queued_events)
// and merges only identical consecutive ones; configure opens far more. The
// reader thread drains the queue while the opens happen, so none is lost.
TEST(OpenedFiles, KeepsUpWithMoreOpensThanTheKernelQueues) {
  TempDir t;
  write_file(t / "a", "a\n");
  write_file(t / "sub" / "b", "b\n");
  write_file(t / "sub" / "c", "c\n");
  std::string max_queued = sh_ok("cat /proc/sys/fs/inotify/max_queued_events");
  const long queued = std::stol(max_queued);
  OpenedFiles watch(t.path());
  const char* names[] = {"a", "sub/b"};
  for (long i = 0; i < 3 * queued; ++i) {
    const int fd = ::open((t / names[i % 2]).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  const int last = ::open((t / "sub" / "c").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(last, 0);
  ::close(last);
  const OpenedPaths seen = watch.stop();
  EXPECT_TRUE(seen.complete) << 3 * queued << " opens overflowed the queue";
  EXPECT_THAT(seen.files, ElementsAre("a", "sub/b", "sub/c")) << "the last open, after all the others, is seen";
}

TEST(OpenedFiles, ATreeThatCannotBeWatchedIsAnError) {
  TempDir t;
  EXPECT_THROW(OpenedFiles(t / "missing"), std::system_error);
}

}  // namespace
}  // namespace relman
