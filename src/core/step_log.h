// logs/<step>.log: what a step and its child processes printed, redacted.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

namespace relman {

class Redactor;

class StepLog {
 public:
  // Opens for appending (attempts of a step share one log); creates parents.
  StepLog(const std::filesystem::path& path, const Redactor* redactor);
  ~StepLog();
  StepLog(const StepLog&) = delete;
  StepLog& operator=(const StepLog&) = delete;

  // Appends a line ("\n" added) after redaction.
  void line(std::string_view text);
  // Appends raw output; callers pass whole lines so secrets are not split.
  void write(std::string_view text);
  const std::filesystem::path& path() const { return path_; }
  // The last `n` lines of the log file, for error messages.
  std::string tail(int n) const;

 private:
  std::filesystem::path path_;
  const Redactor* redactor_;
  int fd_ = -1;
  std::mutex mu_;
};

}  // namespace relman
