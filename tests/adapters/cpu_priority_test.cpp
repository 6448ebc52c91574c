// SCHED_IDLE for the thread that asks, and for the threads it starts after:
// liblzma's encoder threads are started by the compressor thread, so that
// is how they get it.
#include "adapters/cpu_priority.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace relman {
namespace {

TEST(CpuPriority, TheThreadAndTheThreadsItStartsAfterRunIdleAndNoOtherThreadDoes) {
  int asked = -1, started_after = -1, beside = -1;
  std::thread t([&] {
    ASSERT_TRUE(cpu_priority::idle_this_thread());
    asked = ::sched_getscheduler(0);
    std::thread child([&] { started_after = ::sched_getscheduler(0); });
    child.join();
  });
  t.join();
  std::thread other([&] { beside = ::sched_getscheduler(0); });
  other.join();
  EXPECT_EQ(asked, SCHED_IDLE);
  EXPECT_EQ(started_after, SCHED_IDLE);
  EXPECT_EQ(beside, SCHED_OTHER) << "the process and its other threads keep their priority";
  EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
}

}  // namespace
}  // namespace relman
