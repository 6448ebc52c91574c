#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::FakeServer;

class CdnPurgeTest : public ::testing::Test {
 protected:
  void SetUp() override { test::fast_http_retries(); }
  test::TempDir dir;
};

TEST_F(CdnPurgeTest, PurgesEachUrl) {
  FakeServer server(json{{"faults", {{{"method", "PURGE"}, {"status", 503}, {"times", 1}}}}});
  test::StepHarness h("cdn.purge", dir.path(), dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"urls", {server.url() + "/ftp/python/3.12.1/", server.url() + "/downloads/"}}};
  auto out = h.run();
  EXPECT_EQ(out["purged"].size(), 2u);
  std::vector<std::string> purged;
  for (const auto& r : server.requests())
    if (r["method"] == "PURGE") purged.push_back(r["path"]);
  EXPECT_EQ(purged, (std::vector<std::string>{"/ftp/python/3.12.1/", "/ftp/python/3.12.1/", "/downloads/"}));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST_F(CdnPurgeTest, PersistentFailureThenSuccess) {
  FakeServer server(json{{"faults", {{{"method", "PURGE"}, {"status", 403}, {"times", -1}}}}});
  test::StepHarness h("cdn.purge", dir.path(), dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"urls", server.url() + "/x"}};
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("PURGE " + server.url() + "/x failed: HTTP 403"), std::string::npos) << msg;
    EXPECT_NE(msg.find("purging is allowed"), std::string::npos) << msg;
  }
  server.configure({{"faults", json::array()}});
  EXPECT_NO_THROW(h.run());
}

TEST_F(CdnPurgeTest, RehearsalWritesTheOutbox) {
  test::StepHarness h("cdn.purge", dir.path(), dir / "state");
  h.ctx().mode = RunMode::rehearse;
  h.ctx().sandbox.outbox = dir / "outbox";
  h.with() = {{"urls", {"https://www.python.org/ftp/python/3.12.1/"}}};
  h.run();
  auto msg = json::parse(test::read_file(dir / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["method"], "PURGE");
  EXPECT_EQ(msg["url"], "https://www.python.org/ftp/python/3.12.1/");
}

}  // namespace
}  // namespace relman
