#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "core/errors.h"
#include "core/scope.h"
#include "core/workflow.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
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

// release-tools' purge_the_cdn, transcribed: the release page, the docs
// folders (as given and X.Y.Z), the ftp folder, the downloads index pages,
// then each source tarball and the files published beside it.
std::vector<std::string> release_tools_purge_list(const std::string& www, const std::string& docs,
                                                  const std::string& release, const std::string& normalized) {
  std::string squashed = release;
  squashed.erase(std::remove(squashed.begin(), squashed.end(), '.'), squashed.end());
  std::vector<std::string> urls = {
      www + "/downloads/release/python-" + squashed + "/",
      docs + "/release/" + release + "/",
      www + "/ftp/python/" + normalized + "/",
      docs + "/release/" + normalized + "/",
      www + "/downloads/",
      www + "/downloads/windows/",
      www + "/downloads/macos/",
  };
  for (const std::string ext : {".tgz", ".tar.xz"}) {
    std::string source = www + "/ftp/python/" + normalized + "/Python-" + release + ext;
    for (const std::string suffix : {"", ".asc", ".crt", ".sig", ".sigstore", ".spdx.json"})
      urls.push_back(source + suffix);
  }
  return urls;
}

// pep101.yaml's purge-cdn step, expanded as a run expands it (the release
// page's slug as pydotorg.release gives it), purges exactly release-tools'
// list on the loopback CDN, for a final and for a prerelease.
TEST_F(CdnPurgeTest, Pep101PurgesReleaseToolsList) {
  const fs::path pep101 = fs::path(RELMAN_TEST_DIR).parent_path() / "workflows" / "pep101.yaml";
  for (const auto& [version, normalized, slug] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"3.12.0", "3.12.0", "python-3120"}, {"3.14.0rc1", "3.14.0", "python-3140rc1"}}) {
    SCOPED_TRACE(version);
    FakeServer server;
    const std::string www = server.url(), docs = server.url() + "/docs";
    auto wf = load_workflow(pep101, {{"python_org", www}, {"docs_site", docs}});
    const StepDef* step = wf.find("purge-cdn");
    ASSERT_NE(step, nullptr);
    ASSERT_EQ(step->uses, "cdn.purge");
    ASSERT_EQ(step->needs, std::vector<std::string>{"release-page"});
    auto v = Version::parse(version);
    RunPaths paths{dir.path(), dir / "state", dir / "state" / "artifacts", dir / "state" / "logs", RunMode::execute};
    auto vars = resolve_vars(wf, v, paths);
    auto plain = make_resolver(v, vars, paths, nullptr);
    // A copy: clang cannot capture a structured binding (C++20 allows it, clang 14 does not).
    const std::string page_slug = slug;
    TemplateResolver resolve = [&](const TemplateExpr& e) -> json {
      if (e.text == "steps.release-page.outputs.slug") return page_slug;
      return plain(e);
    };
    test::StepHarness h("cdn.purge", dir.path(), dir / "state", version);
    h.ctx().mode = RunMode::execute;
    h.with() = expand_templates(step->with, resolve);
    h.run();
    std::vector<std::string> purged;
    for (const auto& r : server.requests())
      if (r["method"] == "PURGE") purged.push_back(www + r["path"].get<std::string>());
    EXPECT_EQ(purged, release_tools_purge_list(www, docs, version, normalized));
  }
}

}  // namespace
}  // namespace relman
