// A small HTTP/1.1 server on 127.0.0.1 for the stand-ins a rehearsal starts
// inside relman's own process: one thread, one request per connection,
// bodies sized by Content-Length and capped. It never listens beyond
// loopback, so nothing outside the machine can reach a rehearsal.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace relman::loopback {

struct Request {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Reply(const Request&)>;

class Server {
 public:
  // Binds a free port on 127.0.0.1 and serves `handler` on a thread until
  // destroyed. A handler that throws answers 500 with the message.
  explicit Server(Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:PORT

 private:
  void serve();
  void answer(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // written by the destructor to end serve()
  int port_ = 0;
  std::thread thread_;
};

}  // namespace relman::loopback
