// The client's limits against a hostile or broken server on loopback: a
// body announced or sent larger than allowed, a trickle that never trips the
// low-speed limit, a redirect off the machine in a rehearsal. Each ends
// quickly, with an error that names the limit.
#include <gtest/gtest.h>

#include <chrono>

#include "adapters/http.h"
#include "support/http_server.h"
#include "support/matchers.h"

namespace relman {
namespace {

using test::FakeServer;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

http::Options fast() {
  http::Options o;
  o.retry_base = 5ms;
  o.total_timeout = 5000ms;
  o.max_attempts = 2;
  return o;
}

http::json fault(http::json f) {
  f["times"] = -1;
  return http::json({{"faults", http::json::array({f})}});
}

TEST(HttpLimits, AnAnnouncedTenGiBBodyIsRefusedBeforeItIsRead) {
  FakeServer server(fault({{"path", "/repos/"}, {"action", "trickle"}, {"rate", 2}}));
  http::Client client(fast());
  auto t0 = Clock::now();
  try {
    client.get_json(server.url() + "/repos/o/r/commits/main/status");
    FAIL() << "a 10 GiB answer was accepted";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.limit(), http::Limit::body_size) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("announced 10737418240 bytes (Content-Length)")) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_EQ(server.requests().size(), 1u) << "a limit is not retried";
}

TEST(HttpLimits, AnUnannouncedFloodStopsAtTheInMemoryLimit) {
  FakeServer server(fault({{"path", "/repos/"}, {"action", "flood"}, {"bytes", 512 << 20}}));
  auto o = fast();
  o.max_body_bytes = 4 << 20;
  http::Client client(o);
  auto t0 = Clock::now();
  try {
    client.get_json(server.url() + "/repos/o/r/commits/main/status");
    FAIL() << "a 512 MB answer was read into memory";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.limit(), http::Limit::body_size) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("exceeds the 4194304 bytes accepted")) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 10s);
}

// Even with no limit asked for, a body kept in memory is bounded.
TEST(HttpLimits, NoLimitStillBoundsABodyKeptInMemory) {
  FakeServer server(fault({{"path", "/repos/"}, {"action", "flood"}, {"bytes", 512 << 20}}));
  auto o = fast();
  o.max_body_bytes = 0;
  http::Request req;
  req.url = server.url() + "/repos/o/r/x";
  try {
    http::Client(o).send(req);
    FAIL();
  } catch (const http::Error& e) {
    EXPECT_EQ(e.limit(), http::Limit::body_size) << e.what();
  }
}

// 2 bytes a second is above libcurl's low-speed limit of 1 byte/s: only the
// deadline ends it.
TEST(HttpLimits, ATrickleEndsAtTheDeadline) {
  FakeServer server(fault({{"path", "/slow"}, {"action", "trickle"}, {"length", 1000}, {"rate", 2}}));
  auto o = fast();
  o.total_timeout = 60s;
  o.deadline = 1500ms;
  http::Client client(o);
  http::Request req;
  req.url = server.url() + "/slow";
  std::size_t got = 0;
  req.sink = [&](std::string_view chunk) { got += chunk.size(); };
  auto t0 = Clock::now();
  try {
    client.send(req);
    FAIL() << "a trickle was waited out";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.limit(), http::Limit::deadline) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("deadline of 1.5 s")) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 4s);
  EXPECT_GT(got, 0u) << "the trickle did flow";
}

// A transfer of known size gets time for that size at the minimum rate.
TEST(HttpLimits, StreamingTimeGrowsWithTheSize) {
  http::Options o;
  o.total_timeout = 10s;
  o.min_rate = 1000;
  auto s = o.streaming(50000);
  EXPECT_EQ(s.total_timeout, 60s);
  EXPECT_EQ(s.max_body_bytes, 50000u);
  EXPECT_GE(s.deadline, 120s);
  EXPECT_EQ(o.streaming(0).max_body_bytes, 0u) << "unknown size: to disk, unbounded";
}

// A rehearsal's client connects to loopback only: a stand-in that redirects
// elsewhere is refused before any connection leaves the machine.
TEST(HttpLimits, LoopbackOnlyRefusesARedirectOffTheMachine) {
  FakeServer server(
      fault({{"path", "/hook"}, {"status", 307}, {"headers", {{"Location", "http://192.0.2.7:9/hook"}}}}));
  auto o = fast();
  o.loopback_only = true;
  http::Client client(o);
  auto t0 = Clock::now();
  try {
    client.post_json(server.url() + "/hook", {{"text", "released"}});
    FAIL() << "followed a redirect off the machine";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.limit(), http::Limit::address) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("192.0.2.7")) << e.what();
    EXPECT_THAT(std::string(e.what()), HasSubstr("only to loopback")) << e.what();
  }
  EXPECT_LT(Clock::now() - t0, 3s);
  // A URL that names another machine is refused the same way.
  http::Request req;
  req.url = "http://192.0.2.7:9/x";
  try {
    client.send(req);
    FAIL();
  } catch (const http::Error& e) {
    EXPECT_EQ(e.limit(), http::Limit::address) << e.what();
  }
}

TEST(HttpLimits, LoopbackOnlyFollowsARedirectThatStaysOnLoopback) {
  FakeServer server;
  server.configure(fault(
      {{"path", "/moved"},
       {"status", 302},
       {"headers",
        {{"Location", "http://localhost:" + std::to_string(server.port()) + "/repos/o/r/commits/main/status"}}}}));
  auto o = fast();
  o.loopback_only = true;
  auto body = http::Client(o).get_json(server.url() + "/moved");
  EXPECT_EQ(body["state"], "pending");
}

TEST(HttpLimits, LoopbackAddresses) {
  EXPECT_TRUE(http::is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(http::is_loopback_address("127.255.0.9"));
  EXPECT_TRUE(http::is_loopback_address("::1"));
  EXPECT_TRUE(http::is_loopback_address("::ffff:127.0.0.1"));
  EXPECT_FALSE(http::is_loopback_address("::ffff:10.0.0.1"));
  EXPECT_FALSE(http::is_loopback_address("192.0.2.7"));
  EXPECT_FALSE(http::is_loopback_address("localhost"));
  EXPECT_FALSE(http::is_loopback_address("fe80::1"));
}

}  // namespace
}  // namespace relman
