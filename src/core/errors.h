// The few error types that cross the core. main.cpp alone maps them to exit
// codes (docs/architecture.md, "Layers"): usage/config 2, step 1, lock 4, state 5.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace relman {

// Where in a file a problem is; line and column are 1-based, 0 when unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;
};

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string str() const;  // "file:line:col: message"
};

// A bad command line or option: exit 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what, std::string hint = {})
      : std::runtime_error(what), hint_(std::move(hint)) {}
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

// A bad workflow, version or setting, every problem found at once: exit 2.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> problems);
  explicit ConfigError(const std::string& what);
  const std::vector<Diagnostic>& problems() const { return problems_; }

 private:
  std::vector<Diagnostic> problems_;
};

// The one command that continues a run after a step failed, when it is not
// a plain `relman resume` (which runs the failed step again on the same
// inputs): e.g. a build that fails on the source must start over from the
// tag, or it rebuilds the same broken tarball. Resolved to a step id by
// core/recovery.h, journaled in step_failed as `next`.
struct Recovery {
  enum class Kind { resume, retry_self, retry_kind };
  Kind kind = Kind::resume;
  std::string step_kind;  // retry_kind: the nearest step this one needs that uses this kind
};

// A step could not do its work; the message says what to do: exit 1.
class StepError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  StepError(const std::string& what, Recovery recovery) : std::runtime_error(what), recovery_(std::move(recovery)) {}
  const Recovery& recovery() const { return recovery_; }

 private:
  Recovery recovery_;
};

// The step's effect may or may not have happened (an answer cut off after a
// POST was sent, a crash while sending): doing it again could do it twice.
// The run stops until the release manager decides: `relman retry ID` does it
// again, `relman skip ID --reason ...` records that it happened. A plain
// `relman resume` never repeats it. Exit 1, like any step failure.
class UncertainError : public StepError {
 public:
  using StepError::StepError;
};

// Another process holds the run's lock: exit 4.
class LockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The state directory is unreadable, damaged or from a newer relman: exit 5.
class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace exit_code {
inline constexpr int finished = 0;
inline constexpr int step_failed = 1;
inline constexpr int usage = 2;
inline constexpr int waiting = 3;
inline constexpr int locked = 4;
inline constexpr int state = 5;
}  // namespace exit_code

}  // namespace relman
