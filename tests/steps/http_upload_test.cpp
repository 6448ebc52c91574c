#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;

class HttpUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::fast_http_retries();
    std::filesystem::create_directories(dir / "state" / "artifacts");
    tgz = std::string(300000, 'a');
    for (size_t i = 0; i < tgz.size(); i += 7) tgz[i] = static_cast<char>(i % 251);
    test::write_file(dir / "state" / "artifacts" / "Python-3.12.1.tgz", tgz);
    test::write_file(dir / "state" / "artifacts" / "SHA256SUMS", "sums\n");
  }
  std::unique_ptr<test::StepHarness> make(const std::string& url) {
    auto h = std::make_unique<test::StepHarness>("http.upload", dir.path(), dir / "state");
    h->ctx().mode = RunMode::execute;
    h->with() = {{"url", url}, {"files", {"Python-3.12.1.tgz", "SHA256SUMS"}}};
    return h;
  }
  test::TempDir dir;
  std::string tgz;
};

TEST_F(HttpUploadTest, UploadsIntoADirectoryAndVerifies) {
  FakeServer server;
  auto hp = make(server.url() + "/upload/3.12.1/");
  int progress_lines = 0;
  hp->ctx().progress = [&](const std::string&) { ++progress_lines; };
  auto out = hp->run();
  auto up = server.uploads();
  EXPECT_EQ(up["/upload/3.12.1/Python-3.12.1.tgz"]["size"], tgz.size());
  EXPECT_EQ(up["/upload/3.12.1/SHA256SUMS"]["text"], "sums\n");
  EXPECT_EQ(up["/upload/3.12.1/Python-3.12.1.tgz"]["sha256"], test::sha256_hex(tgz));
  EXPECT_EQ(out["urls"][0], server.url() + "/upload/3.12.1/Python-3.12.1.tgz");
  EXPECT_EQ(out["sizes"][0], tgz.size());
  EXPECT_EQ(out["sha256"][0], test::sha256_hex(tgz));
  EXPECT_GT(progress_lines, 0);
  for (const auto& r : server.requests()) {
    if (r["method"] == "PUT") {
      EXPECT_FALSE(r["headers"].contains("Expect"));
    }
  }
  EXPECT_EQ(hp->probe().result, ProbeResult::done);
  // Run again: nothing is sent twice.
  auto puts_before = server.requests().size();
  hp->run();
  int puts = 0;
  auto reqs = server.requests();
  for (size_t i = puts_before; i < reqs.size(); ++i)
    if (reqs[i]["method"] == "PUT") ++puts;
  EXPECT_EQ(puts, 0);
}

TEST_F(HttpUploadTest, SingleFileUrl) {
  FakeServer server;
  auto hp = make(server.url() + "/upload/latest.tgz");
  hp->with()["files"] = "Python-3.12.1.tgz";
  hp->run();
  EXPECT_EQ(server.uploads()["/upload/latest.tgz"]["size"], tgz.size());
  hp->with()["files"] = {"Python-3.12.1.tgz", "SHA256SUMS"};
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("end the url with '/'")));
}

TEST_F(HttpUploadTest, CutOffUploadIsRetriedWithinTheStep) {
  FakeServer server(json{{"faults", {{{"method", "PUT"}, {"path", "/upload/"}, {"action", "cut"}, {"times", 1}}}}});
  auto hp = make(server.url() + "/upload/3.12.1/");
  hp->run();
  EXPECT_EQ(server.uploads()["/upload/3.12.1/Python-3.12.1.tgz"]["size"], tgz.size());
}

TEST_F(HttpUploadTest, CutOffUploadLeavesNothingLookingDoneThenResumes) {
  FakeServer server(json{{"faults", {{{"method", "PUT"}, {"path", "/upload/"}, {"action", "cut"}, {"times", -1}}}}});
  auto hp = make(server.url() + "/upload/3.12.1/");
  EXPECT_THAT([&] { hp->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("upload of Python-3.12.1.tgz failed"),
                                             HasSubstr("PUT " + server.url() + "/upload/3.12.1/Python-3.12.1.tgz"))));
  // The server kept half a file, as a naive server does: it is not "done".
  auto partial = server.uploads()["/upload/3.12.1/Python-3.12.1.tgz"]["size"].get<size_t>();
  EXPECT_GT(partial, 0u);
  EXPECT_LT(partial, tgz.size());
  EXPECT_EQ(hp->probe().result, ProbeResult::not_done);
  server.configure({{"faults", json::array()}});
  hp->run();
  EXPECT_EQ(server.uploads()["/upload/3.12.1/Python-3.12.1.tgz"]["size"], tgz.size());
  EXPECT_EQ(hp->probe().result, ProbeResult::done);
}

TEST_F(HttpUploadTest, WrongChecksumOnReadBackFails) {
  FakeServer server(
      json{{"faults", {{{"method", "GET"}, {"path", "/upload/3.12.1/Python"}, {"action", "corrupt"}, {"times", -1}}}}});
  auto hp = make(server.url() + "/upload/3.12.1/");
  EXPECT_THAT([&] { hp->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("reads back as " + std::to_string(tgz.size()) + " bytes"),
                                             HasSubstr(test::sha256_hex(tgz)))));
  EXPECT_EQ(hp->probe().result, ProbeResult::not_done);
  server.configure({{"faults", json::array()}});
  EXPECT_NO_THROW(hp->run());
}

TEST_F(HttpUploadTest, ConnectionRefusedIsAStepError) {
  auto hp = make("http://127.0.0.1:" + std::to_string(test::unused_port()) + "/upload/");
  EXPECT_THROW(hp->run(), StepError);
  EXPECT_EQ(hp->probe().result, ProbeResult::unknown);
}

TEST_F(HttpUploadTest, RehearsalCopiesIntoTheSandbox) {
  auto hp = make("https://www.python.org/ftp/python/3.12.1/");
  hp->ctx().mode = RunMode::rehearse;
  auto out = hp->run();
  auto copy =
      dir / "state" / "sandbox" / "uploads" / "www.python.org" / "ftp" / "python" / "3.12.1" / "Python-3.12.1.tgz";
  ASSERT_TRUE(std::filesystem::exists(copy));
  EXPECT_EQ(test::read_file(copy), tgz);
  EXPECT_EQ(out["urls"][0], "https://www.python.org/ftp/python/3.12.1/Python-3.12.1.tgz");
  EXPECT_THAT(hp->log(), HasSubstr("rehearsal: would upload"));
  EXPECT_EQ(hp->probe().result, ProbeResult::done);
}

// A server that announces 10 GiB and sends 2 bytes a second used to keep the
// read-back going for hours: the body may be no larger than the local file,
// so it is known to differ at once.
TEST_F(HttpUploadTest, AReadBackAnnouncingTenGiBEndsAtOnce) {
  FakeServer server(json(
      {{"faults", {{{"method", "GET"}, {"path", "/upload/"}, {"action", "trickle"}, {"rate", 2}, {"times", -1}}}}}));
  auto hp = make(server.url() + "/upload/3.12.1/");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("larger than the local file")));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(hp->probe().result, ProbeResult::not_done);
  EXPECT_THAT(hp->log(), HasSubstr("announced 10737418240 bytes")) << hp->log();
}

// The same trickle with an honest length: the read-back ends at the
// deadline a file of that size is given, and says so.
TEST_F(HttpUploadTest, ATrickledReadBackEndsAtItsDeadline) {
  FakeServer server(json({{"faults",
                           {{{"method", "GET"},
                             {"path", "/upload/3.12.1/SHA256SUMS"},
                             {"action", "trickle"},
                             {"length", 5},
                             {"rate", 1},
                             {"times", -1}}}}}));
  test::ScopedEnv timeout("RELMAN_HTTP_TIMEOUT_MS", "1000");
  test::ScopedEnv deadline("RELMAN_HTTP_DEADLINE_MS", "1500");
  auto hp = make(server.url() + "/upload/3.12.1/");
  hp->with()["files"] = {"SHA256SUMS"};
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT([&] { hp->run(); }, ThrowsMessage<StepError>(HasSubstr("deadline")));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
}

// In a rehearsal an upload to a loopback stand-in happens for real, but a
// redirect from it to another machine is refused.
TEST_F(HttpUploadTest, InARehearsalARedirectOffTheMachineIsRefused) {
  FakeServer server(json({{"faults",
                           {{{"path", "/upload/"},
                             {"status", 307},
                             {"headers", {{"Location", "http://192.0.2.7:9/elsewhere"}}},
                             {"times", -1}}}}}));
  auto hp = make(server.url() + "/upload/3.12.1/");
  hp->ctx().mode = RunMode::rehearse;
  EXPECT_THAT([&] { hp->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("192.0.2.7"), HasSubstr("only to loopback"))));
}

// A rehearsal maps an upload URL to uploads/<host>/<path>, and nowhere else.
TEST_F(HttpUploadTest, InARehearsalAnUploadNeverLandsOutsideTheUploadsDirectory) {
  for (const std::string url :
       {"https://../ftp/", "https://%2e%2e/ftp/", "https://www.python.org/a/%2e%2e/%2e%2e/x/"}) {
    auto hp = make(url);
    hp->ctx().mode = RunMode::rehearse;
    EXPECT_THROW(hp->run(), StepError) << url;
  }
  // Dot segments written out are resolved inside the URL, so this one stays
  // under the host's directory.
  auto hp = make("https://www.python.org/../../x/");
  hp->ctx().mode = RunMode::rehearse;
  hp->run();
  EXPECT_TRUE(std::filesystem::exists(dir / "state" / "sandbox" / "uploads" / "www.python.org" / "x" / "SHA256SUMS"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "ftp"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state" / "x"));
}

}  // namespace
}  // namespace relman
