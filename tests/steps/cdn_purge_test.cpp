#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
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
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(
                  AllOf(HasSubstr("PURGE " + server.url() + "/x failed: HTTP 403"), HasSubstr("purging is allowed"))));
  server.configure({{"faults", json::array()}});
  EXPECT_NO_THROW(h.run());
}

// A CDN that wants a key (Fastly's Fastly-Key, or any header named by
// auth_header) gets it from the environment; the key stays out of the log.
TEST_F(CdnPurgeTest, SendsThePurgeKeyFromTheEnvironment) {
  FakeServer server;
  test::ScopedEnv key("RELMAN_T_PURGE_KEY", "purge-key-s3cr3t");
  test::StepHarness h("cdn.purge", dir.path(), dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"urls", server.url() + "/ftp/python/3.12.1/"}, {"token_env", "RELMAN_T_PURGE_KEY"}};
  h.run();
  h.with()["auth_header"] = "Surrogate-Key-Auth";
  h.run();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["headers"]["Fastly-Key"], "purge-key-s3cr3t");
  EXPECT_EQ(reqs[1]["headers"]["Surrogate-Key-Auth"], "purge-key-s3cr3t");
  EXPECT_THAT(h.log(), Not(HasSubstr("s3cr3t"))) << h.log();
}

TEST_F(CdnPurgeTest, AMissingPurgeKeySaysWhereToPutIt) {
  FakeServer server;
  test::TempDir home;
  test::ScopedEnv creds("RELMAN_CREDENTIALS_FILE", (home / "none").string());
  test::StepHarness h("cdn.purge", dir.path(), dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"urls", server.url() + "/x"}, {"token_env", "RELMAN_T_UNSET_PURGE_KEY"}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("RELMAN_T_UNSET_PURGE_KEY"), HasSubstr("0600"))));
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST_F(CdnPurgeTest, RehearsalWritesTheOutbox) {
  test::StepHarness h("cdn.purge", dir.path(), dir / "state");
  h.ctx().mode = RunMode::rehearse;
  h.ctx().sandbox.outbox = dir / "outbox";
  // A purge key named but not set: a rehearsal does not need it.
  h.with() = {{"urls", {"https://www.python.org/ftp/python/3.12.1/"}}, {"token_env", "RELMAN_T_UNSET_PURGE_KEY"}};
  h.run();
  auto msg = json::parse(test::read_file(dir / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["method"], "PURGE");
  EXPECT_EQ(msg["url"], "https://www.python.org/ftp/python/3.12.1/");
}

}  // namespace
}  // namespace relman
