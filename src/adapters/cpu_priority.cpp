#include "adapters/cpu_priority.h"

#include <sched.h>

namespace relman::cpu_priority {

bool idle_this_thread() {
  const sched_param param{};
  return ::sched_setscheduler(0, SCHED_IDLE, &param) == 0;
}

}  // namespace relman::cpu_priority
