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
#include <functional>
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
  // Discourse makes the topic, then holds its answer once: relman is killed then.
  relman::test::ScriptServer discourse(
      "fake_discourse.py",
      json{{"categories", {23}},
           {"faults", {{{"path", "/posts.json"}, {"action", "delay_after_create"}, {"seconds", 60}, {"times", 1}}}}});
  ScopedEnv key{"RELMAN_SSH_KEY", sshd.user_key().string()};
  ScopedEnv hosts{"RELMAN_SSH_KNOWN_HOSTS", sshd.known_hosts().string()};
  ScopedEnv auth{"PYTHON_ORG_AUTH", kAuth};
  ScopedEnv discourse_key{"DISCOURSE_API_KEY", "test-discourse-key"};
  ScopedEnv creds{"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()};

  const fs::path staging = sshd.root() / "home" / "psf-users" / sshd.user() / "3.12.0" / "downloads";
  const fs::path public_dir = sshd.root() / "srv" / "www.python.org" / "ftp" / "python" / "3.12.0";
  const fs::path state = dir / "state";
  const fs::path docs_release = sshd.root() / "srv" / "docs.python.org" / "release" / "3.12.0";
  const fs::path ftp_doc = sshd.root() / "srv" / "www.python.org" / "ftp" / "python" / "doc" / "3.12.0";
  const std::vector<std::string> vars = {
      "--var", "project=Minipy", "--var", "max_repo_age_days=100000", "--var",
      "upload_url=" + sshd.url(staging.string() + "/"), "--var", "place_to=" + public_dir.string() + "/", "--var",
      "installers_url=" + sshd.url(public_dir.string() + "/"), "--var", "installers_poll_seconds=1", "--var",
      "pydotorg_api=" + server.url() + "/api/v1/", "--var", "python_org=" + server.url(), "--var",
      "docs_site=" + server.url() + "/docs", "--var", "discourse=" + discourse.url(), "--var",
      "discourse_user=release-bot",
      // release-tools' groups are downloads and docs; here the test user's own.
      "--var", "downloads_group=" + std::to_string(::getgid()), "--var", "docs_group=" + std::to_string(::getgid()),
      // The docs, built from the tarball by the sample's Doc/Makefile: the
      // HTML unpacked on the "docs server", the archives into ftp/python/doc/.
      "--var", "docs_url=" + sshd.url(docs_release.string() + "/"), "--var",
      "docs_staging_url=" + sshd.url((staging.parent_path() / "docs").string() + "/"), "--var",
      "docs_ftp_to=" + ftp_doc.string() + "/"};
  // One step at a time, so that each kill interrupts the step it aims at
  // and no other (announce would otherwise post beside the purge).
  std::vector<std::string> rehearse = {"rehearse",
                                       "3.12.0",
                                       "--workflow",
                                       kWorkflow.string(),
                                       "--auto-approve",
                                       "--state-dir",
                                       state.string(),
                                       "--skip",
                                       "check-blockers,check-ci",
                                       "--jobs",
                                       "1"};
  rehearse.insert(rehearse.end(), vars.begin(), vars.end());
  const std::vector<std::string> resume = {"resume", "--state-dir", state.string(), "--jobs", "1"};

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
  auto succeeded = [&](const std::string& step) {
    return count_events(relman::test::journal_events(state), "step_succeeded", step);
  };

  // Each kill lands in the middle of the step's effect, held there by its
  // server: relman is waiting for the installers, the sshd hangs (SIGSTOP)
  // under the upload or the move, python.org has stored the release but not
  // answered, the CDN has the first purge but not answered, Discourse has
  // made the topic but not answered.
  bool first = true;
  auto kill_during = [&](const std::string& step, const std::function<void()>& on_start,
                         const std::function<bool()>& in_the_middle) {
    relman::test::RelmanProcess run(first ? rehearse : resume, project.repo);
    first = false;
    const int before = count_events(relman::test::journal_events(state), "step_started", step);
    const bool started =
        run.wait_until([&] { return count_events(relman::test::journal_events(state), "step_started", step) > before; },
                       std::chrono::milliseconds(2), std::chrono::seconds(240));
    ASSERT_TRUE(started) << "relman ended before " << step << " started: exit status " << run.status() << "\n"
                         << relman::test::relman({"status", "--state-dir", state.string()}, project.repo).out;
    if (on_start) on_start();
    ASSERT_TRUE(run.wait_until(in_the_middle, std::chrono::milliseconds(5), std::chrono::seconds(60)))
        << step << " never reached the middle of its effect: exit status " << run.status();
    ASSERT_TRUE(run.kill_now()) << "relman was not running when killed in " << step;
    EXPECT_EQ(succeeded(step), 0) << step << " finished before the kill";
  };
  auto for_a_while = [] {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    return [until] { return std::chrono::steady_clock::now() >= until; };
  };
  const fs::path wait_log = state / "logs" / "wait-installers.log";

  kill_during("wait-installers", {}, [&] {
    return fs::exists(wait_log) && relman::test::read_file(wait_log).find("waiting for 2 of 2") != std::string::npos;
  });
  ASSERT_FALSE(HasFatalFailure());
  // The resumed run waits for the installers, finds them, and then the sshd
  // hangs under the upload.
  drop_installers_later();
  kill_during(
      "upload", [&] { sshd.pause(); }, for_a_while());
  sshd.resume();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(dropped.load());
  EXPECT_EQ(succeeded("wait-installers"), 1);
  kill_during(
      "place", [&] { sshd.pause(); }, for_a_while());
  sshd.resume();
  ASSERT_FALSE(HasFatalFailure());
  server.configure({{"pydotorg_faults", {{{"type", "release"}, {"action", "hang"}, {"seconds", 60}, {"times", 1}}}}});
  relman::http::Options o;
  o.max_attempts = 1;
  auto pydotorg = [&] { return relman::http::Client(o).get_json(server.url() + "/_control/pydotorg"); };
  kill_during("release-page", {}, [&] { return !pydotorg()["release"].empty(); });
  ASSERT_FALSE(HasFatalFailure());
  server.configure(
      {{"faults", {{{"method", "PURGE"}, {"path", "/"}, {"action", "delay"}, {"seconds", 60}, {"times", 1}}}}});
  kill_during("purge-cdn", {}, [&] {
    for (const auto& r : server.requests())
      if (r["method"] == "PURGE") return true;
    return false;
  });
  ASSERT_FALSE(HasFatalFailure());
  kill_during("announce", {}, [&] { return !discourse.control("posts").empty(); });
  ASSERT_FALSE(HasFatalFailure());
  const std::vector<std::string> kill_at = {"wait-installers", "upload",    "place",
                                            "release-page",    "purge-cdn", "announce"};

  auto finished = relman::test::relman(resume, project.repo);
  ASSERT_EQ(finished.exit_code, 0) << finished.out << finished.err;
  auto events = relman::test::journal_events(state);
  for (const auto& step : kill_at) {
    EXPECT_EQ(count_events(events, "step_succeeded", step), 1) << step;
    // After the kill the step ran again, or its probe found the effect made
    // (the post) and recorded it without doing it twice.
    bool reconciled = false;
    for (const auto& e : events)
      if (e["event"] == "step_succeeded" && e["step"] == step) reconciled = e.value("reconciled", false);
    EXPECT_TRUE(count_events(events, "step_started", step) >= 2 || reconciled)
        << step << " was neither run again nor found done after the kill";
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

  // The docs, built from the tarball: the HTML unpacked on the docs server
  // (the top folder stripped), every archive in ftp/python/doc/3.12.0/ as
  // built, none left in the staging folder.
  EXPECT_THAT(relman::test::read_file(docs_release / "library" / "mathconst.html"),
              testing::HasSubstr("New in version 3.12."));
  EXPECT_THAT(relman::test::read_file(docs_release / "index.html"), testing::HasSubstr("Minipy"));
  for (const char* f : {"python-3.12.0-docs-html.zip", "python-3.12.0-docs-html.tar.bz2", "python-3.12.0-docs-text.zip",
                        "python-3.12.0-docs-text.tar.bz2", "python-3.12.0-docs.epub", "python-3.12.0-docs-texinfo.zip",
                        "python-3.12.0-docs-texinfo.tar.bz2"}) {
    EXPECT_EQ(relman::test::read_file(ftp_doc / f), relman::test::read_file(state / "artifacts" / "docs" / f)) << f;
    EXPECT_FALSE(fs::exists(staging.parent_path() / "docs" / f)) << f;
  }
  for (const char* step : {"docs-build", "check-docs", "docs", "upload-docs", "place-docs"})
    EXPECT_EQ(count_events(events, "step_succeeded", step), 1) << step;

  // One release object and one record per tarball on python.org.
  json db = pydotorg();
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
