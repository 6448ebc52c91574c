#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "adapters/http.h"
#include "adapters/md5.h"
#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/sshd.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using test::FakeServer;

const std::string kAuth = "rm:0123456789abcdef0123456789abcdef";

// What the stand-in of python.org's API holds: {"release": [...], "release_file": [...]}.
json pydotorg(const FakeServer& server) {
  http::Options o;
  o.max_attempts = 1;
  return http::Client(o).get_json(server.url() + "/_control/pydotorg");
}

std::vector<std::string> methods_on(const FakeServer& server, const std::string& method, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& r : server.requests())
    if (r["method"] == method && r["path"].get<std::string>().rfind(prefix, 0) == 0) out.push_back(r["path"]);
  return out;
}

class PydotorgReleaseTest : public ::testing::Test {
 protected:
  PydotorgReleaseTest() : server(json{{"pydotorg_auth", kAuth}}), key("RELMAN_T_PYDOTORG", kAuth) {
    test::fast_http_retries();
  }

  // The run's artifacts as the pep101 steps leave them: the two tarballs,
  // their signatures, a Sigstore bundle and SBOM beside one, SHA256SUMS.
  std::unique_ptr<test::StepHarness> harness(const std::string& version = "3.12.0") {
    auto hp = std::make_unique<test::StepHarness>("pydotorg.release", dir.path(), dir / "state", version);
    auto& h = *hp;
    h.ctx().mode = RunMode::execute;
    auto a = h.ctx().artifacts_dir;
    test::write_file(a / ("Python-" + version + ".tgz"), "gzip tarball " + version);
    test::write_file(a / ("Python-" + version + ".tar.xz"), "xz tarball " + version);
    test::write_file(a / ("Python-" + version + ".tgz.asc"), "sig");
    test::write_file(a / ("Python-" + version + ".tar.xz.asc"), "sig");
    test::write_file(a / ("Python-" + version + ".tar.xz.sigstore"), "{}");
    test::write_file(a / ("Python-" + version + ".tgz.spdx.json"), "{}");
    test::write_file(a / "SHA256SUMS", "sums");
    test::write_file(a / "Python-3.11.9.tgz", "another version's");
    h.with() = {{"api", server.url() + "/api/v1/"},
                {"files_url", "https://www.python.org/ftp/python/3.12.0/"},
                {"token_env", "RELMAN_T_PYDOTORG"}};
    return hp;
  }

  test::TempDir dir;
  FakeServer server;
  test::ScopedEnv key;
};

TEST_F(PydotorgReleaseTest, CreatesTheReleaseAndOneRecordPerDownloadAsAddToPydotorgDoes) {
  auto hp = harness();
  auto& h = *hp;
  auto out = h.run();
  auto db = pydotorg(server);
  ASSERT_EQ(db["release"].size(), 1u) << db.dump();
  const json& rel = db["release"][0];
  EXPECT_EQ(rel["name"], "Python 3.12.0");
  EXPECT_EQ(rel["slug"], "python-3120");
  EXPECT_EQ(rel["version"], 3);
  EXPECT_EQ(rel["pre_release"], false);
  EXPECT_EQ(rel["is_published"], true);
  EXPECT_EQ(rel["show_on_download_page"], true);
  EXPECT_EQ(out["release"], rel["resource_uri"]);
  EXPECT_EQ(out["slug"], "python-3120");

  ASSERT_EQ(db["release_file"].size(), 2u) << db.dump();
  const json& xz = db["release_file"][0];  // sorted by name: .tar.xz before .tgz
  const json& tgz = db["release_file"][1];
  EXPECT_EQ(xz["name"], "XZ compressed source tarball");
  EXPECT_EQ(xz["slug"], "3120-XZ-compressed-source-tarball");
  EXPECT_EQ(xz["url"], "https://www.python.org/ftp/python/3.12.0/Python-3.12.0.tar.xz");
  EXPECT_EQ(xz["os"], "/api/v1/downloads/os/3/");
  EXPECT_EQ(xz["release"], rel["resource_uri"]);
  EXPECT_EQ(xz["is_source"], true);
  EXPECT_EQ(xz["download_button"], true);
  EXPECT_EQ(xz["filesize"], std::string("xz tarball 3.12.0").size());
  EXPECT_EQ(xz["sha256_sum"], test::sha256_hex("xz tarball 3.12.0"));
  EXPECT_EQ(xz["md5_sum"].get<std::string>().size(), 32u);
  EXPECT_EQ(xz["gpg_signature_file"], "https://www.python.org/ftp/python/3.12.0/Python-3.12.0.tar.xz.asc");
  EXPECT_EQ(xz["sigstore_bundle_file"], "https://www.python.org/ftp/python/3.12.0/Python-3.12.0.tar.xz.sigstore");
  EXPECT_FALSE(xz.contains("sbom_spdx2_file"));
  EXPECT_EQ(tgz["name"], "Gzipped source tarball");
  EXPECT_EQ(tgz["download_button"], false);
  EXPECT_EQ(tgz["sbom_spdx2_file"], "https://www.python.org/ftp/python/3.12.0/Python-3.12.0.tgz.spdx.json");
  EXPECT_FALSE(tgz.contains("sigstore_bundle_file"));
  EXPECT_NE(xz["md5_sum"], tgz["md5_sum"]);

  // Every request carried the key as add_to_pydotorg.py sends it.
  for (const auto& r : server.requests())
    EXPECT_EQ(r["headers"].value("Authorization", ""), "ApiKey " + kAuth) << r.dump();
  EXPECT_THAT(h.log(), Not(HasSubstr(kAuth.substr(3)))) << h.log();
}

// The MD5 is python.org's too: that of the file's bytes.
TEST_F(PydotorgReleaseTest, TheMd5IsTheFilesMd5) {
  auto hp = harness();
  auto& h = *hp;
  h.run();
  // printf "gzip tarball 3.12.0" | md5sum
  EXPECT_EQ(pydotorg(server)["release_file"][1]["md5_sum"], "029f2320405c2fbcb996719e2aa1a6fa");
}

TEST_F(PydotorgReleaseTest, APrereleaseIsMarkedAndSluggedAsPythonOrgDoes) {
  auto hp = harness("3.14.0rc1");
  auto& h = *hp;
  h.with()["files_url"] = "https://www.python.org/ftp/python/3.14.0/";
  auto out = h.run();
  auto db = pydotorg(server);
  ASSERT_EQ(db["release"].size(), 1u);
  EXPECT_EQ(db["release"][0]["name"], "Python 3.14.0rc1");
  EXPECT_EQ(db["release"][0]["slug"], "python-3140rc1");
  EXPECT_EQ(db["release"][0]["pre_release"], true);
  EXPECT_EQ(out["slug"], "python-3140rc1");
  ASSERT_EQ(db["release_file"].size(), 2u);
  EXPECT_EQ(db["release_file"][0]["slug"], "3140-rc1-XZ-compressed-source-tarball");
  EXPECT_EQ(db["release_file"][0]["url"], "https://www.python.org/ftp/python/3.14.0/Python-3.14.0rc1.tar.xz");
}

TEST_F(PydotorgReleaseTest, ASecondRunLooksUpAndCreatesNothing) {
  auto hp = harness();
  auto& h = *hp;
  h.run();
  auto posts = methods_on(server, "POST", "/api/");
  EXPECT_EQ(posts.size(), 3u);
  h.run();
  EXPECT_EQ(methods_on(server, "POST", "/api/"), posts);
  EXPECT_TRUE(methods_on(server, "PUT", "/api/").empty());
  auto db = pydotorg(server);
  EXPECT_EQ(db["release"].size(), 1u);
  EXPECT_EQ(db["release_file"].size(), 2u);
}

// A file re-made (and re-signed) after the page was made: its record is
// updated in place, not doubled; the release's new settings are written.
TEST_F(PydotorgReleaseTest, AChangedFileOrSettingIsUpdatedInPlace) {
  auto hp = harness();
  auto& h = *hp;
  h.run();
  test::write_file(h.ctx().artifacts_dir / "Python-3.12.0.tgz", "gzip tarball, made again");
  h.with()["publish"] = false;
  h.run();
  auto db = pydotorg(server);
  ASSERT_EQ(db["release"].size(), 1u);
  EXPECT_EQ(db["release"][0]["is_published"], false);
  ASSERT_EQ(db["release_file"].size(), 2u);
  EXPECT_EQ(db["release_file"][1]["sha256_sum"], test::sha256_hex("gzip tarball, made again"));
  EXPECT_EQ(methods_on(server, "PUT", "/api/").size(), 2u);
}

// An answer lost after python.org stored the object: the step looks again,
// finds it, and goes on; nothing is made twice.
TEST_F(PydotorgReleaseTest, AConnectionCutAfterACreateMakesNothingTwice) {
  server.configure({{"pydotorg_faults",
                     {{{"type", "release"}, {"action", "cut"}, {"times", 1}},
                      {{"type", "release_file"}, {"action", "cut"}, {"times", 1}}}}});
  auto hp = harness();
  auto& h = *hp;
  h.run();
  auto db = pydotorg(server);
  EXPECT_EQ(db["release"].size(), 1u) << db.dump();
  EXPECT_EQ(db["release_file"].size(), 2u) << db.dump();
  EXPECT_EQ(methods_on(server, "POST", "/api/v1/downloads/release/").size(), 1u);
}

// Existing records come a page at a time; every page is read before
// deciding what to create.
TEST_F(PydotorgReleaseTest, ReadsEveryPageOfExistingRecords) {
  auto hp = harness();
  auto& h = *hp;
  h.run();
  server.configure({{"pydotorg_page_size", 1}});
  h.run();
  EXPECT_EQ(pydotorg(server)["release_file"].size(), 2u);
  EXPECT_EQ(methods_on(server, "POST", "/api/").size(), 3u);
}

TEST_F(PydotorgReleaseTest, AWrongKeyIsRefusedNamingWhereTheKeyComesFrom) {
  test::ScopedEnv wrong("RELMAN_T_PYDOTORG", "rm:wrongwrongwrongwrong");
  auto hp = harness();
  auto& h = *hp;
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("401"), HasSubstr("RELMAN_T_PYDOTORG"),
                                             HasSubstr("username:api_key"), Not(HasSubstr("wrongwrong")))));
  EXPECT_EQ(pydotorg(server)["release"].size(), 0u);
}

TEST_F(PydotorgReleaseTest, AKeyWithoutTheUsernameIsRefusedBeforeAnyRequest) {
  test::ScopedEnv bare("RELMAN_T_PYDOTORG", "0123456789abcdef0123");
  auto hp = harness();
  auto& h = *hp;
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("\"username:api_key\"")));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(PydotorgReleaseTest, AMissingKeySaysWhereToPutIt) {
  test::TempDir home;
  test::ScopedEnv creds("RELMAN_CREDENTIALS_FILE", (home / "none").string());
  auto hp = harness();
  auto& h = *hp;
  h.with()["token_env"] = "RELMAN_T_UNSET_PYDOTORG";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("RELMAN_T_UNSET_PYDOTORG")));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(PydotorgReleaseTest, NoDownloadInTheArtifactsIsAnError) {
  test::StepHarness h("pydotorg.release", dir.path(), dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"api", server.url() + "/api/v1/"}, {"files_url", "https://www.python.org/ftp/python/3.12.0/"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("no download for 3.12.0")));
}

// A rehearsal aimed at python.org itself reaches nothing: the outbox gets
// what would be sent, and no key is needed.
TEST_F(PydotorgReleaseTest, ARehearsalAimedAtPythonOrgWritesTheOutbox) {
  auto hp = harness();
  auto& h = *hp;
  h.ctx().mode = RunMode::rehearse;
  h.ctx().sandbox.outbox = dir / "outbox";
  h.with()["api"] = "https://www.python.org/api/v1/";
  h.with()["token_env"] = "RELMAN_T_UNSET_PYDOTORG";
  h.run();
  auto msg = json::parse(test::read_file(dir / "outbox" / "step-1.json"));
  EXPECT_EQ(msg["url"], "https://www.python.org/api/v1/downloads/release/");
  EXPECT_EQ(msg["body"]["slug"], "python-3120");
  EXPECT_EQ(msg["files"].size(), 2u);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(PydotorgReleaseTest, TheKeyAppearsNowhereInTheStateDirectory) {
  auto hp = harness();
  auto& h = *hp;
  h.run();
  EXPECT_EQ(test::files_containing((dir / "state").string(), kAuth.substr(3)), std::vector<std::string>{});
}

TEST_F(PydotorgReleaseTest, ProbeSaysRunAgain) { EXPECT_EQ(harness()->probe().result, ProbeResult::not_done); }

// The public folder as the experts leave it: their installers (one with a
// Sigstore bundle), the tarballs relman placed there too, and a file for
// another version.
void fill_public_folder(const fs::path& folder) {
  test::write_file(folder / "python-3.12.0-amd64.exe", "MZ the 64-bit installer");
  test::write_file(folder / "python-3.12.0-amd64.exe.sigstore", "{}");
  test::write_file(folder / "python-3.12.0-macos11.pkg", "xar the macOS installer");
  test::write_file(folder / "Python-3.12.0.tgz", "gzip tarball 3.12.0");
  test::write_file(folder / "python-3.11.9-amd64.exe", "another version's installer");
}

void expect_installer_records(const json& db) {
  ASSERT_EQ(db["release_file"].size(), 4u) << "2 tarballs and 2 installers, each once: " << db.dump();
  json exe, pkg;
  for (const auto& r : db["release_file"]) {
    if (r["url"] == "https://www.python.org/ftp/python/3.12.0/python-3.12.0-amd64.exe") exe = r;
    if (r["url"] == "https://www.python.org/ftp/python/3.12.0/python-3.12.0-macos11.pkg") pkg = r;
  }
  ASSERT_TRUE(exe.is_object()) << db.dump();
  ASSERT_TRUE(pkg.is_object()) << db.dump();
  EXPECT_EQ(exe["name"], "Windows installer (64-bit)");
  EXPECT_EQ(exe["os"], "/api/v1/downloads/os/1/");
  EXPECT_EQ(exe["download_button"], true);
  EXPECT_EQ(exe["description"], "Recommended");
  EXPECT_EQ(exe["filesize"], std::string("MZ the 64-bit installer").size());
  EXPECT_EQ(exe["sha256_sum"], test::sha256_hex("MZ the 64-bit installer"));
  EXPECT_EQ(exe["md5_sum"], hex_of(md5_digest("MZ the 64-bit installer")));
  EXPECT_EQ(exe["sigstore_bundle_file"], "https://www.python.org/ftp/python/3.12.0/python-3.12.0-amd64.exe.sigstore");
  EXPECT_FALSE(exe.contains("gpg_signature_file"));
  EXPECT_EQ(pkg["name"], "macOS installer");
  EXPECT_EQ(pkg["os"], "/api/v1/downloads/os/2/");
  EXPECT_EQ(pkg["sha256_sum"], test::sha256_hex("xar the macOS installer"));
}

// add_to_pydotorg.py lists the release folder on the downloads server, so
// the page has the experts' installers too: 'folder' names that folder.
TEST_F(PydotorgReleaseTest, TheInstallersInThePublicFolderGetTheirRecordsToo) {
  auto hp = harness();
  fill_public_folder(dir / "public");
  hp->with()["folder"] = (dir / "public").string();
  hp->run();
  expect_installer_records(pydotorg(server));
  EXPECT_THAT(hp->log(), HasSubstr("python-3.11.9-amd64.exe is for another version: not listed")) << hp->log();

  // Run again: everything is found, nothing made twice.
  auto again = harness();
  again->with()["folder"] = (dir / "public").string();
  again->run();
  expect_installer_records(pydotorg(server));
  EXPECT_THAT(again->log(), HasSubstr("4 files: 0 created, 0 updated, 4 already there")) << again->log();
}

TEST_F(PydotorgReleaseTest, TheInstallersAreReadOverSftpFromARealSshd) {
  test::SshServer sshd;
  test::ScopedEnv ssh_key{"RELMAN_SSH_KEY", sshd.user_key().string()};
  test::ScopedEnv hosts{"RELMAN_SSH_KNOWN_HOSTS", sshd.known_hosts().string()};
  const fs::path folder = sshd.root() / "srv" / "www.python.org" / "ftp" / "python" / "3.12.0";
  fill_public_folder(folder);
  auto hp = harness();
  hp->with()["folder"] = sshd.url(folder.string() + "/");
  hp->run();
  expect_installer_records(pydotorg(server));

  // A folder the server does not know is refused with the host key's message.
  auto wrong = harness();
  test::ScopedEnv bad_hosts{"RELMAN_SSH_KNOWN_HOSTS", sshd.wrong_known_hosts().string()};
  wrong->with()["folder"] = sshd.url(folder.string() + "/");
  EXPECT_THAT([&] { wrong->run(); }, ThrowsMessage<StepError>(HasSubstr("host key")));
}

}  // namespace
}  // namespace relman
