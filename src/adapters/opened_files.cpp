#include "adapters/opened_files.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <system_error>
#include <thread>
#include <vector>

#include "adapters/durable.h"

namespace relman {

namespace fs = std::filesystem;

struct OpenedFiles::State {
  durable::Fd inotify;
  durable::Fd wake_read, wake_write;  // a byte written here ends the reader
  std::map<int, std::string> dirs;    // watch descriptor -> relative directory
  OpenedPaths seen;                   // written by the reader only, until it is joined
  std::thread reader;
  bool stopped = false;

  void record(const inotify_event& e) {
    if (e.mask & IN_Q_OVERFLOW) {
      seen.complete = false;
      return;
    }
    if (!(e.mask & IN_OPEN)) return;
    auto it = dirs.find(e.wd);
    if (it == dirs.end()) return;
    if (e.len == 0 || e.name[0] == '\0') {  // the watched directory itself
      seen.dirs.insert(it->second);
      return;
    }
    const std::string rel = it->second == "." ? std::string(e.name) : it->second + "/" + e.name;
    (e.mask & IN_ISDIR ? seen.dirs : seen.files).insert(rel);
  }

  // Reads what is queued; false when nothing was.
  bool drain() {
    alignas(inotify_event) char buf[64 * 1024];
    bool any = false;
    for (;;) {
      const ssize_t n = ::read(inotify.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return any;  // EAGAIN: the queue is empty
      any = true;
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
        record(*e);
        at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      }
    }
  }

  void run() {
    pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {wake_read.get(), POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        seen.complete = false;
        return;
      }
      if (fds[0].revents & POLLIN) drain();
      if (fds[1].revents) {
        // Everything the watched processes did is queued by now.
        while (drain()) {
        }
        return;
      }
    }
  }
};

namespace {

void watch_tree(int fd, const fs::path& root, std::map<int, std::string>& dirs) {
  const uint32_t mask = IN_OPEN | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
  auto add = [&](const fs::path& dir, const std::string& rel) {
    const int wd = ::inotify_add_watch(fd, dir.c_str(), mask);
    if (wd < 0) throw std::system_error(errno, std::generic_category(), "inotify_add_watch " + dir.string());
    dirs[wd] = rel;
  };
  // The walk first: it opens every directory, which must not count.
  std::vector<fs::path> subdirs;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) subdirs.push_back(it->path());
  if (ec) throw std::system_error(ec, "reading " + root.string());
  add(root, ".");
  for (const auto& d : subdirs) add(d, d.lexically_relative(root).string());
}

}  // namespace

OpenedFiles::OpenedFiles(const fs::path& root) : state_(std::make_unique<State>()) {
  state_->inotify.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!state_->inotify) throw std::system_error(errno, std::generic_category(), "inotify_init1");
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  state_->wake_read.reset(pipefd[0]);
  state_->wake_write.reset(pipefd[1]);
  watch_tree(state_->inotify.get(), root, state_->dirs);
  state_->reader = std::thread([s = state_.get()] { s->run(); });
}

OpenedPaths OpenedFiles::stop() {
  if (!state_->stopped) {
    state_->stopped = true;
    const char byte = 1;
    while (::write(state_->wake_write.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    state_->reader.join();
  }
  return state_->seen;
}

OpenedFiles::~OpenedFiles() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw; the reader is joined either way
  }
}

}  // namespace relman
