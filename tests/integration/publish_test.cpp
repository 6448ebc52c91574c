// The end of a release as python.org receives it, in a rehearsal of the
// sample interpreter's final that targets loopback servers for real: the
// upload over SFTP to a real sshd (the release manager's staging folder),
// the wait for the platform files that the "experts" (this test) drop into
// the public folder after a delay, the move into the public folder
// (release-tools' place_files_in_download_folder), the release page on the
// python.org API stand-in, the CDN purge and the Discourse post. relman is
// killed with SIGKILL at the start of each of those steps and resumed: one
// release object, one post, each file once, nothing half-written left.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/http.h"
#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/relman_process.h"
#include "support/sample_project.h"
#include "support/script_server.h"
#include "support/shell.h"
#include "support/sshd.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using relman::test::count_events;
using relman::test::ScopedEnv;

const std::string kAuth = "rm:Publ1shTestApiKey0123456789abcdef";
const fs::path kWorkflow = fs::path(RELMAN_TEST_DIR).parent_path() / "workflows" / "pep101.yaml";

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Publish, AFinalRehearsalPublishesThroughLoopbackServersAndKillsAtEachStepDoNothingTwice) {
  relman::test::TempDir dir;
  auto project = relman::test::make_sample_project(dir / "sample", "3.12.0");
  relman::test::SshServer sshd;
  relman::test::FakeServer server(json{{"pydotorg_auth", kAuth}});
  relman::test::ScriptServer discourse("fake_discourse.py", json{{"categories", {23}}});
  ScopedEnv key{"RELMAN_SSH_KEY", sshd.user_key().string()};
  ScopedEnv hosts{"RELMAN_SSH_KNOWN_HOSTS", sshd.known_hosts().string()};
  ScopedEnv auth{"PYTHON_ORG_AUTH", kAuth};
  ScopedEnv discourse_key{"DISCOURSE_API_KEY", "test-discourse-key"};
  ScopedEnv creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};

  const fs::path staging = sshd.root() / "home" / "psf-users" / sshd.user() / "3.12.0" / "downloads";
  const fs::path public_dir = sshd.root() / "srv" / "www.python.org" / "ftp" / "python" / "3.12.0";
  const fs::path state = dir / "state";
  const std::vector<std::string> vars = {
      "--var", "project=Minipy", "--var", "max_repo_age_days=100000", "--var",
      "upload_url=" + sshd.url(staging.string() + "/"), "--var", "place_to=" + public_dir.string() + "/", "--var",
      "installers_url=" + sshd.url(public_dir.string() + "/"), "--var", "installers_poll_seconds=1", "--var",
      "pydotorg_api=" + server.url() + "/api/v1/", "--var", "python_org=" + server.url(), "--var",
      "docs_site=" + server.url() + "/docs", "--var", "discourse=" + discourse.url(), "--var",
      "discourse_user=release-bot",
      // release-tools' group is downloads; here the test user's own group.
      "--var", "downloads_group=" + std::to_string(::getgid())};
  std::vector<std::string> rehearse = {"rehearse",         "3.12.0",         "--workflow",
                                       kWorkflow.string(), "--auto-approve", "--state-dir",
                                       state.string(),     "--skip",         "check-blockers,check-ci"};
  rehearse.insert(rehearse.end(), vars.begin(), vars.end());
  const std::vector<std::string> resume = {"resume", "--state-dir", state.string()};

  // The Windows and macOS experts place their installers a few seconds after
  // relman starts waiting for them.
  std::atomic<bool> dropped{false};
  std::jthread experts;  // joined however the test ends
  auto drop_installers_later = [&] {
    experts = std::jthread([&] {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      fs::create_directories(public_dir);
      for (const char* f : {"python-3.12.0.exe", "python-3.12.0-macos11.pkg"})
        relman::test::write_file(public_dir / f, std::string("installer ") + f + "\n");
      dropped = true;
    });
  };

  const std::vector<std::string> kill_at = {"wait-installers", "upload",    "place",
                                            "release-page",    "purge-cdn", "announce"};
  for (size_t i = 0; i < kill_at.size(); ++i) {
    const std::string& step = kill_at[i];
    relman::test::RelmanProcess run(i == 0 ? rehearse : resume, project.repo);
    if (i == 1) drop_installers_later();  // the resumed run waits for them
    const bool reached =
        run.wait_until([&] { return count_events(relman::test::journal_events(state), "step_started", step) > 0; },
                       std::chrono::milliseconds(10), std::chrono::seconds(240));
    ASSERT_TRUE(reached) << "relman ended before " << step << " started: exit status " << run.status() << "\n"
                         << relman::test::relman({"status", "--state-dir", state.string()}, project.repo).out;
    ASSERT_TRUE(run.kill_now()) << "relman was not running when killed at " << step;
    EXPECT_EQ(count_events(relman::test::journal_events(state), "step_succeeded", step), 0) << step;
  }
  if (experts.joinable()) experts.join();
  ASSERT_TRUE(dropped.load());

  auto finished = relman::test::relman(resume, project.repo);
  ASSERT_EQ(finished.exit_code, 0) << finished.out << finished.err;
  auto events = relman::test::journal_events(state);
  for (const auto& step : kill_at) {
    EXPECT_EQ(count_events(events, "step_succeeded", step), 1) << step;
    EXPECT_GE(count_events(events, "step_started", step), 2) << step << " was not killed and started again";
  }

  // The public folder holds each release file once, beside the installers,
  // with release-tools' modes; nothing half-written or hidden anywhere.
  const auto public_files = names_in(public_dir);
  for (const std::string f :
       {"Minipy-3.12.0.tgz", "Minipy-3.12.0.tar.xz", "Minipy-3.12.0.tgz.asc", "Minipy-3.12.0.tar.xz.asc", "SHA256SUMS",
        "python-3.12.0.exe", "python-3.12.0-macos11.pkg"})
    EXPECT_NE(std::find(public_files.begin(), public_files.end(), f), public_files.end())
        << f << " is not in the public folder: " << testing::PrintToString(public_files);
  EXPECT_FALSE(fs::exists(staging / "Minipy-3.12.0.tgz")) << "place moves the staged files, it does not copy them";
  auto waited = relman::test::relman({"log", "wait-installers", "--state-dir", state.string()}, project.repo);
  EXPECT_THAT(waited.out, HasSubstr("waiting for 2 of 2 files in sftp://")) << waited.out;
  EXPECT_THAT(waited.out, HasSubstr("all 2 files are in sftp://")) << waited.out;
  for (const auto& root : {public_dir, staging})
    for (const auto& name : names_in(root)) EXPECT_NE(name.front(), '.') << "a temporary file left: " << root / name;
  for (const std::string f : {"Minipy-3.12.0.tgz", "SHA256SUMS"}) {
    struct stat st {};
    ASSERT_EQ(::stat((public_dir / f).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0664u) << f;
    EXPECT_EQ(relman::test::read_file(public_dir / f), relman::test::read_file(state / "artifacts" / f))
        << f << " differs from the artifact";
  }

  // One release object and one record per tarball on python.org.
  relman::http::Options o;
  o.max_attempts = 1;
  json db = relman::http::Client(o).get_json(server.url() + "/_control/pydotorg");
  EXPECT_EQ(db["release"].size(), 1u) << db.dump();
  EXPECT_EQ(db["release_file"].size(), 2u) << db.dump();
  for (const auto& rec : db["release_file"])
    EXPECT_THAT(rec["url"].get<std::string>(), testing::StartsWith(server.url() + "/ftp/python/3.12.0/Minipy-3.12.0."))
        << "the file records point at the public folder, not the staging one";

  // One announcement; the CDN purged (a purge is safe to repeat).
  EXPECT_EQ(discourse.control("posts").size(), 1u);
  int purges = 0;
  for (const auto& r : server.requests()) purges += r["method"] == "PURGE";
  EXPECT_GE(purges, 19) << "every URL of purge-cdn";

  // The API keys are in no file of the run.
  EXPECT_EQ(relman::test::files_containing(state.string(), kAuth.substr(3)), std::vector<std::string>{});
  EXPECT_EQ(relman::test::files_containing(state.string(), "test-discourse-key"), std::vector<std::string>{});
}

}  // namespace
