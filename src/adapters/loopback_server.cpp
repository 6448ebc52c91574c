#include "adapters/loopback_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "adapters/durable.h"

namespace relman::loopback {

namespace {

constexpr size_t kMaxHeader = size_t{64} * 1024;
constexpr size_t kMaxBody = size_t{8} * 1024 * 1024;
constexpr int kIoTimeoutMs = 10000;

// Reads what is available within the timeout; false on EOF, error or timeout.
bool read_some(int fd, std::string& into) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, kIoTimeoutMs) <= 0) return false;
  char buf[16384];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  into.append(buf, static_cast<size_t>(n));
  return true;
}

void send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to tell it
    off += static_cast<size_t>(n);
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    default:
      return status >= 500 ? "Server Error" : "Status";
  }
}

std::string render(const Reply& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\nContent-Length: " + std::to_string(r.body.size()) +
         "\r\nConnection: close\r\n";
  for (const auto& [k, v] : r.headers) out.append(k).append(": ").append(v).append("\r\n");
  return out + "\r\n" + r.body;
}

Reply error(int status, const std::string& message) {
  return {status, nlohmann::json{{"code", status}, {"message", message}}.dump(), "application/json", {}};
}

}  // namespace

Server::Server(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 || ::pipe2(wake_, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(listen_fd_);
    throw std::runtime_error(std::string("cannot listen on 127.0.0.1: ") + std::strerror(e));
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

Server::~Server() {
  char c = 'x';
  [[maybe_unused]] ssize_t n = ::write(wake_[1], &c, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::string Server::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void Server::serve() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    durable::Fd conn(fd);
    answer(conn.get());
  }
}

void Server::answer(int fd) {
  std::string in;
  size_t head_end;
  while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
    if (in.size() > kMaxHeader) return send_all(fd, render(error(413, "the request's header is too large")));
    if (!read_some(fd, in)) return;
  }
  Request req;
  size_t line_end = in.find("\r\n");
  std::string line = in.substr(0, line_end);
  size_t s1 = line.find(' '), s2 = line.rfind(' ');
  if (s1 == std::string::npos || s2 == s1) return send_all(fd, render(error(400, "malformed request line")));
  req.method = line.substr(0, s1);
  req.target = line.substr(s1 + 1, s2 - s1 - 1);
  for (size_t pos = line_end + 2; pos < head_end;) {
    size_t eol = in.find("\r\n", pos);
    std::string h = in.substr(pos, eol - pos);
    pos = eol + 2;
    size_t colon = h.find(':');
    if (colon != std::string::npos) req.headers[lower(h.substr(0, colon))] = trim(h.substr(colon + 1));
  }
  size_t want = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    try {
      want = std::stoul(it->second);
    } catch (const std::exception&) {
      return send_all(fd, render(error(400, "unreadable Content-Length")));
    }
  }
  if (want > kMaxBody) return send_all(fd, render(error(413, "the body is too large")));
  req.body = in.substr(head_end + 4);
  while (req.body.size() < want)
    if (!read_some(fd, req.body)) return;
  req.body.resize(want);
  Reply r;
  try {
    r = handler_(req);
  } catch (const std::exception& e) {
    r = error(500, e.what());
  }
  send_all(fd, render(r));
}

}  // namespace relman::loopback
