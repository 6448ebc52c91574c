// The release manager's terminal: colour when it is one (NO_COLOR
// respected), a live progress line that is redrawn in place, and questions.
// Piped output gets plain text and a progress line every few seconds.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace relman::cli {

enum class Colour { red, green, yellow, blue, grey, bold };

class Terminal {
 public:
  explicit Terminal(std::FILE* out);
  std::string paint(const std::string& text, Colour c) const;
  void live(const std::string& line);
  void clear_live();
  // Asks on /dev/tty; false when there is none or the answer is not yes.
  // `answered_elsewhere`, when given, is looked at every 250 ms while the
  // question waits: once it says true the question is withdrawn (false),
  // so an answer given another way does not wait for a keypress.
  bool ask(const std::string& question, const std::function<bool()>& answered_elsewhere = {});
  bool is_tty() const { return tty_; }

 private:
  std::FILE* out_;
  bool tty_;
  bool colour_;
  bool live_shown_ = false;
  std::chrono::steady_clock::time_point last_plain_{};
  std::mutex mu_;
};

}  // namespace relman::cli
