#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
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
  try {
    hp->run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_NE(std::string(e.what()).find("end the url with '/'"), std::string::npos) << e.what();
  }
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
  try {
    hp->run();
    FAIL();
  } catch (const StepError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("upload of Python-3.12.1.tgz failed"), std::string::npos) << msg;
    EXPECT_NE(msg.find("PUT " + server.url() + "/upload/3.12.1/Python-3.12.1.tgz"), std::string::npos) << msg;
  }
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
  FakeServer server(json{{"faults", {{{"method", "GET"}, {"path", "/upload/3.12.1/Python"}, {"action", "corrupt"}, {"times", -1}}}}});
  auto hp = make(server.url() + "/upload/3.12.1/");
  try {
    hp->run();
    FAIL();
  } catch (const StepError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("reads back as " + std::to_string(tgz.size()) + " bytes"), std::string::npos) << msg;
    EXPECT_NE(msg.find(test::sha256_hex(tgz)), std::string::npos) << msg;
  }
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
  auto copy = dir / "state" / "sandbox" / "uploads" / "www.python.org" / "ftp" / "python" / "3.12.1" / "Python-3.12.1.tgz";
  ASSERT_TRUE(std::filesystem::exists(copy));
  EXPECT_EQ(test::read_file(copy), tgz);
  EXPECT_EQ(out["urls"][0], "https://www.python.org/ftp/python/3.12.1/Python-3.12.1.tgz");
  EXPECT_NE(hp->log().find("rehearsal: would upload"), std::string::npos);
  EXPECT_EQ(hp->probe().result, ProbeResult::done);
}

}  // namespace
}  // namespace relman
