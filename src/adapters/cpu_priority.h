// CPU priority of the calling thread: work that can wait (the .tar.xz a
// build runs beside) takes only the CPU time nothing else in the run wants.
#pragma once

namespace relman::cpu_priority {

// Puts the calling thread under SCHED_IDLE (Linux: the policy is per thread,
// and threads it creates afterwards inherit it, as liblzma's encoder threads
// do). It works whatever the process's nice value (`nice -n 19 relman ...`
// included), where raising the nice value would stop at 19. Returns false
// when the kernel refuses; the caller runs on at its priority.
bool idle_this_thread();

}  // namespace relman::cpu_priority
