// docs/release-day.md followed literally, on the sample interpreter: every
// command this test types is looked up in the guide's shell blocks first,
// so the guide cannot drift from what works. The sample's own names (the
// project, the loopback servers standing in for python.org and GitHub, its
// January 2026 commits) are the project-specific vars the guide says to give.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "adapters/http.h"
#include "support/gpg_home.h"
#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/pty.h"
#include "support/sample_project.h"
#include "support/script_server.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The commands of the guide's ```sh blocks, each without its comment.
std::vector<std::string> guide_commands() {
  std::ifstream in(fs::path(RELMAN_SOURCE_DIR) / "docs" / "release-day.md");
  std::vector<std::string> out;
  std::string line;
  bool in_sh = false;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(' ');
    std::string t = first == std::string::npos ? "" : line.substr(first);
    if (t.rfind("```", 0) == 0) {
      in_sh = t == "```sh";
      continue;
    }
    if (!in_sh) continue;
    if (auto hash = t.find("  #"); hash != std::string::npos) t = t.substr(0, hash);
    while (!t.empty() && t.back() == ' ') t.pop_back();
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

class ReleaseDay : public ::testing::Test {
 protected:
  ReleaseDay() : project_(make_sample_project(home() / "sample", "3.12.0")) {
    // ~/cpython, as the guide has it; the remotes' URLs are absolute paths.
    fs::rename(project_.repo, clone());
    key_ = gpg_.add_key("Minipy Releaser <rm@example.org>");
    server_.configure(
        {{"token", "t0ken-of-the-release-manager"},
         {"issues", json::array()},
         {"status", {{"3.12", {{"state", "success"}, {"statuses", json::array()}}}}},
         {"check_runs", {{"3.12", {{{"name", "Tests"}, {"status", "completed"}, {"conclusion", "success"}}}}}}});
  }

  fs::path home() const { return dir_.path(); }
  // The release folder the Windows and macOS experts put their installers
  // in (a local folder standing in for the downloads server).
  fs::path installers() const { return home() / "downloads" / "3.12.0"; }
  fs::path clone() const { return home() / "cpython"; }

  // The sample's project-specific vars (see the guide's "Project-specific
  // names are vars"). The rehearsal keeps python.org's URLs: they must stay
  // in its sandbox. The real run sends to the loopback stand-ins.
  std::vector<std::string> sample_vars() const {
    return {"--var", "project=Minipy", "--var", "max_repo_age_days=100000", "--var", "ssh_user=rm"};
  }
  std::vector<std::string> real_vars() const {
    auto v = sample_vars();
    for (std::string kv :
         {"upload_url=" + server_.url() + "/upload/3.12.0/", std::string("place_to="), "discourse=" + discourse_.url(),
          std::string("discourse_user=release-bot"), "github_api=" + server_.url(),
          "installers_url=" + installers().string(), "pydotorg_api=" + server_.url() + "/api/v1/",
          "python_org=" + server_.url(), "docs_site=" + server_.url() + "/docs",
          // The docs go by HTTP beside the tarballs; the docs server is SFTP only.
          std::string("docs_url="), "docs_staging_url=" + server_.url() + "/upload/3.12.0/docs/",
          std::string("docs_ftp_to=")}) {
      v.push_back("--var");
      v.push_back(kv);
    }
    return v;
  }

  // A command of the guide, word by word, `~` being $HOME: it must be there.
  std::vector<std::string> from_guide(const std::string& command) {
    const auto all = guide_commands();
    EXPECT_NE(std::find(all.begin(), all.end(), command), all.end())
        << "docs/release-day.md has no `" << command << "` in a sh block";
    std::vector<std::string> words;
    std::istringstream in(command);
    for (std::string w; in >> w;) words.push_back(w.rfind("~/", 0) == 0 ? (home() / w.substr(2)).string() : w);
    EXPECT_EQ(words.at(0), "relman");
    words.erase(words.begin());
    return words;
  }

  std::map<std::string, std::string> env() const {
    return {{"HOME", home().string()},
            {"GITHUB_TOKEN", "t0ken-of-the-release-manager"},
            {"DISCOURSE_API_KEY", "test-discourse-key"},
            {"PYTHON_ORG_AUTH", "rm:s3cr3t-key"},
            {"RELMAN_STATE_DIR", ""},
            {"GIT_CONFIG_NOSYSTEM", "1"}};
  }

  // `command` from the guide, with `extra` after it, in `cwd`, no terminal.
  Ran type(const std::string& command, const fs::path& cwd, const std::vector<std::string>& extra = {}) {
    auto words = from_guide(command);
    words.insert(words.end(), extra.begin(), extra.end());
    std::string line;
    for (const auto& [k, v] : env()) line += v.empty() ? "unset " + k + "; " : "export " + k + "=" + quote(v) + "; ";
    line += quote(RELMAN_BINARY);
    for (const auto& w : words) line += " " + quote(w);
    return sh(line + " </dev/null", cwd);
  }

  // The same at a terminal, answering its questions.
  PtyRun at_terminal(const std::string& command, const fs::path& cwd, const std::vector<std::string>& extra,
                     const std::vector<PtyCue>& cues) {
    auto words = from_guide(command);
    words.insert(words.end(), extra.begin(), extra.end());
    return relman_on_terminal(words, cwd, cues, std::chrono::seconds(240), 0, env());
  }

  TempDir dir_;
  SampleProject project_;
  GpgHome gpg_;
  std::string key_;
  FakeServer server_;
  ScriptServer discourse_{"fake_discourse.py", nlohmann::json{{"categories", {23}}}};  // core-dev, as pep101 says
};

TEST_F(ReleaseDay, TheGuideFollowedLiterallyFromTheCloneAndFromASubdirectory) {
  const fs::path sub = clone() / "Lib";
  ASSERT_TRUE(fs::is_directory(sub));

  // §1: doctor, then the rehearsal; the gate is approved from a subdirectory.
  ASSERT_NE(std::find(guide_commands().begin(), guide_commands().end(), "git switch 3.12 && git pull"),
            guide_commands().end());
  sh_ok("git switch -q 3.12 && git pull -q", clone());
  // The release folder exists on the downloads server; the installers come later.
  fs::create_directories(installers());
  Ran doctor = type("relman doctor 3.12.0", clone(), real_vars());
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
  Ran reh = type("relman rehearse 3.12.0 --skip check-blockers,check-ci", clone(), sample_vars());
  ASSERT_EQ(reh.exit_code, 3) << reh.out << reh.err;  // STOP at green-light
  EXPECT_THAT(reh.out + reh.err, HasSubstr("relman approve green-light"));
  // The rehearsal checks the real run's needs against the real clone and
  // keyring. This machine is offline: python.org's hosts may not resolve,
  // and nothing else may fail.
  EXPECT_THAT(reh.out, HasSubstr("pre-flight of the real run (your repository and keyring)")) << reh.out;
  for (const char* ok : {"ok   signing key: ", "ok   branch: 3.12", "ok   clean tree", "ok   upstream: up to date",
                         "ok   patchlevel.h: 3.12.0rc2+ -> 3.12.0"})
    EXPECT_THAT(reh.out, HasSubstr(ok)) << reh.out;
  {
    std::istringstream lines(reh.out.substr(reh.out.find("pre-flight of the real run")));
    // A check's text may wrap onto the next line.
    std::string l, next;
    std::getline(lines, l);
    for (; std::getline(lines, next); l = next) {
      if (l.rfind("  FAIL ", 0) == 0) {
        EXPECT_THAT(l + " " + next.substr(next.find_first_not_of(' ')), HasSubstr("does not resolve")) << reh.out;
      }
    }
  }
  Ran approve = type("relman approve green-light", sub);
  EXPECT_EQ(approve.exit_code, 0) << approve.out << approve.err;
  Ran resume = type("relman resume", sub);
  ASSERT_EQ(resume.exit_code, 0) << resume.out << resume.err;
  EXPECT_THAT(resume.out, HasSubstr("a real run would have changed:")) << resume.out;
  const fs::path rehearsal = clone() / ".git" / "relman" / "rehearse-3.12.0";
  EXPECT_TRUE(fs::exists(rehearsal / "journal.jsonl"));
  EXPECT_EQ(sh_ok("git status --porcelain --ignored", clone()), "") << "the rehearsal left files in the clone";
  EXPECT_TRUE(fs::exists(rehearsal / "sandbox" / "uploads" / "downloads.nyc1.psf.io" / "home" / "psf-users" / "rm" /
                         "3.12.0" / "downloads" / "Minipy-3.12.0.tgz"))
      << "the rehearsal's upload stays in its sandbox";
  EXPECT_TRUE(server_.requests().empty()) << server_.requests().dump();

  // §2: the real run at a terminal. Every remote step is confirmed; the
  // experts' installers are in the release folder; at the gate the release
  // manager answers n and waits for the experts' word.
  write_file(installers() / "python-3.12.0.exe", "MZ installer\n");
  write_file(installers() / "python-3.12.0-macos11.pkg", "xar installer\n");
  std::vector<PtyCue> until_gate = {{"Go ahead? [y/N]", "y"}, {"Approve and continue? [y/N]", "n"}};
  auto start = at_terminal("relman start 3.12.0 --repo ~/cpython --execute", clone(), real_vars(), until_gate);
  ASSERT_EQ(start.exit_code, 3) << start.transcript;
  EXPECT_EQ(start.answered, 2u) << start.transcript;
  EXPECT_THAT(start.transcript, HasSubstr("about to run push-fork")) << start.transcript;
  EXPECT_EQ(sh_ok("git ls-remote --tags " + quote(project_.origin.string()) + " v3.12.0").empty(), false)
      << "push-fork put the tag on the fork before the gate";
  EXPECT_EQ(sh_ok("git ls-remote --tags " + quote(project_.upstream.string()) + " v3.12.0"), "")
      << "nothing goes upstream before the green light";

  // `relman status` from the subdirectory finds the real run, waiting.
  Ran status = type("relman status", sub);
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("green-light")) << status.out;

  // The experts say go: approve and resume from the subdirectory.
  approve = type("relman approve green-light", sub);
  EXPECT_EQ(approve.exit_code, 0) << approve.out << approve.err;
  std::vector<PtyCue> yes_to_all;
  for (int i = 0; i < 8; ++i) yes_to_all.push_back({"Go ahead? [y/N]", "y"});
  auto finish = at_terminal("relman resume", sub, {}, yes_to_all);
  ASSERT_EQ(finish.exit_code, 0) << finish.transcript;
  EXPECT_GE(finish.answered, 3u) << "upload, push-upstream and announce each ask first";

  // What the release left: the tag upstream, the files on the server, one
  // announcement, and nothing of relman's in the release.
  EXPECT_NE(sh_ok("git ls-remote --tags " + quote(project_.upstream.string()) + " v3.12.0"), "");
  const json posts = discourse_.control("posts");
  ASSERT_EQ(posts.size(), 1u) << posts.dump();
  EXPECT_EQ(posts[0]["title"], "Minipy 3.12.0 is now available");
  EXPECT_EQ(posts[0]["category"], 23);
  EXPECT_TRUE(server_.hooks().empty()) << server_.hooks().dump();
  EXPECT_TRUE(fs::exists(clone() / ".git" / "relman" / "3.12.0" / "artifacts" / "blog.md"));
  const json uploads = server_.uploads();
  EXPECT_TRUE(uploads.contains("/upload/3.12.0/Minipy-3.12.0.tgz")) << uploads.dump();
  // The release page: one release, one record per tarball; then the purge.
  const json page = http::Client().get_json(server_.url() + "/_control/pydotorg");
  ASSERT_EQ(page["release"].size(), 1u) << page.dump();
  EXPECT_EQ(page["release"][0]["name"], "Minipy 3.12.0");
  EXPECT_EQ(page["release_file"].size(), 2u) << page.dump();
  int purged = 0;
  for (const auto& req : server_.requests()) purged += req["method"] == "PURGE" ? 1 : 0;
  EXPECT_EQ(purged, 19);
  EXPECT_EQ(sh_ok("git ls-tree -r --name-only v3.12.0 | grep -c relman || true", clone()), "0\n");
  EXPECT_EQ(sh_ok("git status --porcelain", clone()), "");
  const fs::path real = clone() / ".git" / "relman" / "3.12.0";
  bool approved_by_git_identity = false;
  for (const auto& e : journal_events(real))
    if (e.value("event", "") == "step_approved" && e.value("step", "") == "green-light")
      approved_by_git_identity = e.value("by", "").find('<') != std::string::npos;
  EXPECT_TRUE(approved_by_git_identity) << "the approval records git's user.name <user.email>";

  // §5: the record, and the check, from the subdirectory.
  Ran report = type("relman report --run 3.12.0 --format html -o report-3.12.0.html", sub);
  EXPECT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_TRUE(fs::exists(sub / "report-3.12.0.html"));
  Ran verify = type("relman verify --run 3.12.0", sub);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace relman::test
