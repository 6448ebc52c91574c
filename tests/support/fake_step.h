// A step kind for testing the engine without the binary or the outside
// world (ninja's FakeCommandRunner): each step's behaviour is scripted by
// the test, and what it did is written to files that outlive a crash of the
// process running it, as the effects of real steps would.
//
//   uses: test.fake          (no parameters; the script is looked up by id)
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/workflow.h"

namespace relman::test::fake {

enum class Act {
  succeed,              // the effect, then success
  fail,                 // fails before the effect (StepError)
  uncertain_before,     // UncertainError before the effect (nothing went out)
  uncertain_after,      // UncertainError after the effect (it went out)
  crash_before_effect,  // the process dies (_exit) before the effect
  crash_after_effect,   // the process dies after the effect, before returning
};

struct Script {
  // The first `misbehave.size()` arrivals at the step's action point play
  // these in turn; later arrivals succeed. Arrivals are counted in the
  // world, so a crash does not reset the count.
  std::vector<Act> misbehave;
  int sleep_us = 0;  // before the action: lets steps overlap under --jobs
};

// What the fake steps read and write. Set it before the engine runs (or
// before fork(): a child inherits it).
struct World {
  std::filesystem::path dir;      // effects.log, arrivals.log, violations.log, order.log
  std::filesystem::path journal;  // to check ordering against, at each start
  const Workflow* workflow = nullptr;
  std::map<std::string, Script> scripts;
};
World& world();

// Read back from the world's files.
std::map<std::string, int> effects(const World& w);   // step -> times its effect happened
std::vector<std::string> violations(const World& w);  // ordering problems seen at starts
std::vector<std::string> order(const World& w);       // "start ID" / "end ID" lines in order

}  // namespace relman::test::fake
