#include "adapters/tty_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "adapters/durable.h"

namespace relman::tty {

namespace {

// Restores the terminal's echo however the prompt ends.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) == 0) {
      termios t = saved_;
      t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ok_ = tcsetattr(fd_, TCSAFLUSH, &t) == 0;
    }
  }
  ~EchoOff() {
    if (ok_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool ok_ = false;
};

durable::Fd open_tty() { return durable::Fd(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)); }

}  // namespace

bool tell(const std::string& text) {
  durable::Fd tty = open_tty();
  if (!tty) return false;
  durable::write_all(tty.get(), text);
  return true;
}

bool ask_secret(const std::string& prompt, std::string& out) {
  durable::Fd tty = open_tty();
  if (!tty) return false;
  std::string line;
  {
    // Echo goes off before the prompt shows, so nothing typed is ever echoed.
    EchoOff quiet(tty.get());
    durable::write_all(tty.get(), prompt);
    char c;
    for (;;) {
      ssize_t n = ::read(tty.get(), &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || c == '\n') break;
      line += c;
    }
  }
  durable::write_all(tty.get(), "\n");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  out.swap(line);
  std::fill(line.begin(), line.end(), '\0');
  return true;
}

}  // namespace relman::tty
