#include "adapters/http.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "adapters/sha256.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;
using namespace std::chrono_literals;

http::Options fast() {
  http::Options o;
  o.retry_base = 5ms;
  o.total_timeout = 5000ms;
  o.max_attempts = 4;
  return o;
}

TEST(Http, GetJsonSendsUserAgentAndNoExpect) {
  FakeServer server;
  http::Client client(fast());
  auto body = client.get_json(server.url() + "/repos/o/r/commits/main/check-runs");
  EXPECT_EQ(body["total_count"], 0);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["headers"]["User-Agent"], "relman/" RELMAN_VERSION);
}

TEST(Http, RetriesA500ThenSucceeds) {
  FakeServer server(
      http::json({{"faults", {{{"method", "GET"}, {"path", "/repos/"}, {"status", 500}, {"times", 2}}}}}));
  http::Client client(fast());
  http::Request req;
  req.url = server.url() + "/repos/o/r/commits/main/status";
  auto resp = client.send_ok(req);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.attempts, 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(Http, Honours429RetryAfter) {
  FakeServer server(http::json(
      {{"faults", {{{"path", "/repos/"}, {"status", 429}, {"times", 1}, {"headers", {{"Retry-After", "1"}}}}}}}));
  http::Client client(fast());
  auto t0 = std::chrono::steady_clock::now();
  auto body = client.get_json(server.url() + "/repos/o/r/commits/main/status");
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(body["state"], "pending");
  EXPECT_GE(waited, 950ms) << "Retry-After: 1 must be honoured, not the 5 ms backoff";
}

TEST(Http, RetryAfterIsCapped) {
  FakeServer server(http::json(
      {{"faults", {{{"path", "/repos/"}, {"status", 429}, {"times", 1}, {"headers", {{"Retry-After", "3600"}}}}}}}));
  auto o = fast();
  o.retry_cap = 200ms;
  http::Client client(o);
  auto t0 = std::chrono::steady_clock::now();
  client.get_json(server.url() + "/repos/o/r/commits/main/status");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(Http, GivesUpAfterRepeated500WithMethodUrlAndStatus) {
  FakeServer server(http::json({{"faults", {{{"path", "/repos/"}, {"status", 503}, {"times", -1}}}}}));
  http::Client client(fast());
  http::Request req;
  req.url = server.url() + "/repos/o/r/issues";
  try {
    client.send_ok(req);
    FAIL() << "expected an error";
  } catch (const http::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.status(), 503);
    EXPECT_THAT(msg, HasSubstr("GET " + server.url() + "/repos/o/r/issues")) << msg;
    EXPECT_THAT(msg, HasSubstr("HTTP 503 after 4 attempts")) << msg;
    EXPECT_THAT(msg, HasSubstr("relman resume")) << msg;
  }
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(Http, ConnectionRefusedIsRetriedThenExplained) {
  int port = test::unused_port();
  http::Client client(fast());
  http::Request req;
  req.url = "http://user:hunter22@127.0.0.1:" + std::to_string(port) + "/x";
  try {
    client.send(req);
    FAIL() << "expected an error";
  } catch (const http::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.status(), 0);
    EXPECT_THAT(msg, HasSubstr("after 4 attempts")) << msg;
    EXPECT_THAT(msg, HasSubstr("server is up")) << msg;
    EXPECT_THAT(msg, Not(HasSubstr("hunter22"))) << "credentials leaked: " << msg;
  }
}

// A POST that may have reached the server is not sent again: an
// announcement posted twice cannot be taken back.
TEST(Http, APostAnswered502IsNotRepeated) {
  FakeServer server(http::json({{"faults", {{{"method", "POST"}, {"path", "/hook"}, {"status", 502}, {"times", 1}}}}}));
  http::Client client(fast());
  try {
    client.post_json(server.url() + "/hook/announce", {{"text", "Python 3.12.0 is out"}});
    FAIL() << "expected an error";
  } catch (const http::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.status(), 502);
    EXPECT_THAT(msg, HasSubstr("POST")) << msg;
    EXPECT_THAT(msg, HasSubstr("not repeated")) << msg;
    EXPECT_THAT(msg, HasSubstr("relman resume")) << msg;
    EXPECT_THAT(msg, HasSubstr("relman skip")) << msg;
  }
  EXPECT_EQ(server.requests().size(), 1u);
  // A GET to the same server is retried through the same kind of answer.
  FakeServer again(http::json({{"faults", {{{"method", "GET"}, {"path", "/repos/"}, {"status", 502}, {"times", 1}}}}}));
  EXPECT_EQ(client.get_json(again.url() + "/repos/o/r/commits/main/status")["state"], "pending");
  EXPECT_EQ(again.requests().size(), 2u);
}

TEST(Http, APostRefusedWith429Or503IsRepeated) {
  for (int status : {429, 503}) {
    FakeServer server(
        http::json({{"faults", {{{"method", "POST"}, {"path", "/hook"}, {"status", status}, {"times", 1}}}}}));
    http::Client client(fast());
    auto resp = client.post_json(server.url() + "/hook/announce", {{"text", "hello"}});
    EXPECT_EQ(resp.status, 200) << status;
    EXPECT_EQ(resp.attempts, 2) << status;
    EXPECT_EQ(server.requests().size(), 2u) << status;
  }
}

TEST(Http, APostCutOffAfterSendingIsNotRepeatedButARefusedConnectionIs) {
  FakeServer server(
      http::json({{"faults", {{{"method", "POST"}, {"path", "/hook"}, {"action", "cut"}, {"times", 1}}}}}));
  http::Client client(fast());
  try {
    client.post_json(server.url() + "/hook/announce", {{"text", std::string(4096, 'x')}});
    FAIL() << "expected an error";
  } catch (const http::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.status(), 0);
    EXPECT_THAT(msg, HasSubstr("after 1 attempt ")) << msg;
    EXPECT_THAT(msg, HasSubstr("not repeated")) << msg;
  }
  EXPECT_EQ(server.requests().size(), 1u);
  // Nothing was sent to a closed port: safe to try again, and it is.
  int port = test::unused_port();
  EXPECT_THAT(
      [&] {
        client.post_json("http://127.0.0.1:" + std::to_string(port) + "/hook", {{"text", "x"}});
      },
      ThrowsMessage<http::Error>(HasSubstr("after 4 attempts")));
}

TEST(Http, TimeoutFailsWithAdvice) {
  FakeServer server(
      http::json({{"faults", {{{"path", "/slow"}, {"action", "delay"}, {"seconds", 3}, {"times", -1}}}}}));
  auto o = fast();
  o.total_timeout = 300ms;
  o.max_attempts = 2;
  http::Client client(o);
  http::Request req;
  req.url = server.url() + "/slow";
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT([&] { client.send(req); }, ThrowsMessage<http::Error>(HasSubstr("RELMAN_HTTP_TIMEOUT_MS")));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
}

TEST(Http, PutStreamsAFileWithoutExpectAndReportsProgress) {
  FakeServer server;
  test::TempDir dir;
  std::string data(3 << 20, 'x');
  for (size_t i = 0; i < data.size(); i += 4093) data[i] = static_cast<char>('a' + i % 26);
  test::write_file(dir / "big.bin", data);
  http::Client client(fast());
  http::Request req;
  req.method = "PUT";
  req.url = server.url() + "/upload/big.bin";
  req.upload_file = dir / "big.bin";
  std::uint64_t last = 0, total = 0;
  req.progress = [&](std::uint64_t d, std::uint64_t t) {
    last = d;
    total = t;
  };
  auto resp = client.send_ok(req);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(total, data.size());
  EXPECT_EQ(last, data.size());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_FALSE(reqs[0]["headers"].contains("Expect")) << reqs[0]["headers"].dump();
  EXPECT_EQ(server.uploads()["/upload/big.bin"]["size"], data.size());
  EXPECT_EQ(server.uploads()["/upload/big.bin"]["sha256"], test::sha256_hex(data));
}

TEST(Http, PurgeAndHead) {
  FakeServer server;
  http::Client client(fast());
  http::Request put;
  put.method = "PUT";
  put.url = server.url() + "/upload/f";
  put.body = "hello";
  client.send_ok(put);
  http::Request head;
  head.method = "HEAD";
  head.url = put.url;
  EXPECT_EQ(client.send_ok(head).header("content-length"), "5");
  http::Request purge;
  purge.method = "PURGE";
  purge.url = put.url;
  EXPECT_EQ(client.send_ok(purge).status, 200);
  EXPECT_EQ(server.requests().back()["method"], "PURGE");
}

TEST(Http, DownloadIsAtomic) {
  FakeServer server;
  test::TempDir dir;
  http::Client client(fast());
  http::Request put;
  put.method = "PUT";
  put.url = server.url() + "/upload/d";
  put.body = "payload";
  client.send_ok(put);
  client.download(server.url() + "/upload/d", dir / "out");
  EXPECT_EQ(test::read_file(dir / "out"), "payload");
  EXPECT_THROW(client.download(server.url() + "/upload/missing", dir / "none"), http::Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "none"));
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1) << "a failed download left a temporary file";
}

TEST(Http, UrlHelpers) {
  EXPECT_TRUE(http::is_loopback("http://127.0.0.1:80/x"));
  EXPECT_TRUE(http::is_loopback("http://localhost/x"));
  EXPECT_TRUE(http::is_loopback("http://[::1]:8080/x"));
  EXPECT_FALSE(http::is_loopback("https://www.python.org/ftp/"));
  EXPECT_FALSE(http::is_loopback("https://127.0.0.1.evil.example/"));
  EXPECT_EQ(http::redact_url("https://u:p@h.example/a"), "https://h.example/a");
  EXPECT_EQ(http::url_path("https://h/a%20b/c"), "/a b/c");
  EXPECT_EQ(http::parse_retry_after("7"), 7000ms);
  EXPECT_EQ(http::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0ms);
}

}  // namespace
}  // namespace relman
