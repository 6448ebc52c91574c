// The rehearsal changes nothing outside its sandbox: after a full PEP 101
// rehearsal of the sample interpreter (as scripts/demo.sh runs it) the real
// repository and its remotes are byte for byte what they were. `start`
// without --execute refuses and writes nothing; a rehearsal stays a
// rehearsal when resumed.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

// Everything a release could change, as text to compare: per repository the
// refs, the objects reachable from them and every byte under its git
// directory (the index excepted: `git status` itself refreshes its stat
// data); for the working clone also its status and the hash of every file
// outside .git.
std::string snapshot(const relman::test::SampleProject& p) {
  std::string s;
  for (const fs::path& dir : {p.repo, p.origin, p.upstream}) {
    s += "== " + dir.string() + " refs\n" +
         sh_ok("git for-each-ref --format='%(objectname) %(objecttype) %(refname)'", dir);
    s += "== objects\n" + sh_ok("git rev-list --all --objects | sort", dir);
    fs::path gitdir = dir.extension() == ".git" ? dir : dir / ".git";
    s += "== git dir bytes\n" +
         sh_ok("find . -type f ! -name index -print0 | LC_ALL=C sort -z | xargs -0 sha256sum", gitdir);
  }
  s += "== status\n" + sh_ok("git status --porcelain=v1 --untracked-files=all --ignored", p.repo);
  s += "== working tree\n" +
       sh_ok("find . -path ./.git -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum", p.repo);
  s += "== config\n" + read_file(p.repo / ".git" / "config");
  return s;
}

// Objects in a repository's own store, loose and packed (not those it
// reads from an alternate).
int own_objects(const fs::path& gitdir) {
  const std::string v = sh_ok("git count-objects -v", gitdir);
  int n = 0;
  for (const char* key : {"count: ", "in-pack: "}) {
    const auto at = v.find(key);
    if (at != std::string::npos) n += std::stoi(v.substr(at + std::string(key).size()));
  }
  return n;
}

std::vector<json> journal(const fs::path& state) { return relman::test::journal_events(state); }

// What is in a directory, recursively (for "the release manager's keyring
// gained nothing").
std::string listing(const fs::path& dir) { return sh_ok("find . | LC_ALL=C sort", dir); }

class Sandbox : public ::testing::Test {
 protected:
  explicit Sandbox(const std::string& version = "3.12.0")
      : version(version), project(relman::test::make_sample_project(dir / "sample", version)) {
    // The release manager's own keyring: the rehearsal must use a throwaway
    // key and leave this one alone.
    fs::create_directories(dir / "gnupg");
    fs::permissions(dir / "gnupg", fs::perms::owner_all, fs::perm_options::replace);
  }
  Ran relman(std::vector<std::string> args, bool with_state = true) {
    const std::map<std::string, std::string> env = {{"GNUPGHOME", (dir / "gnupg").string()}};
    if (with_state) return relman::test::relman_on(state(), std::move(args), project.repo, env);
    return relman::test::relman(args, project.repo, env);
  }
  fs::path state() const { return dir / "state"; }

  TempDir dir;
  std::string version;
  relman::test::SampleProject project;
};

}  // namespace

TEST_F(Sandbox, AFullRehearsalLeavesTheRepositoryAndItsRemotesUntouched) {
  std::string before = snapshot(project);
  std::string keyring = listing(dir / "gnupg");

  Ran r = relman({"rehearse", version, "--workflow", "pep101", "--var", "project=Minipy", "--skip",
                  "check-blockers,check-ci", "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // It did release: the tag and the branch moved in the mirrors of both
  // remotes, the files went to the sandbox's upload area and the
  // announcement to its outbox...
  EXPECT_THAT(r.out, HasSubstr("a real run would have changed:")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("remote origin (" + project.origin.string() + "):")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("refs/tags/v3.12.0 (new)")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("refs/heads/3.12 ")) << r.out;
  auto sandbox = state() / "sandbox";
  for (const char* remote : {"origin", "upstream"})
    EXPECT_EQ(sh_ok("git rev-parse v3.12.0^{commit}", sandbox / "remotes" / (std::string(remote) + ".git")),
              sh_ok("git rev-parse v3.12.0^{commit}", sandbox / "workspace"))
        << remote;
  EXPECT_TRUE(fs::exists(sandbox / "uploads" / "downloads.nyc1.psf.io" / "home" / "psf-users" / "3.12.0" / "downloads" /
                         "Minipy-3.12.0.tgz"));
  EXPECT_FALSE(fs::is_empty(sandbox / "outbox"));
  EXPECT_THAT(read_file(sandbox / "workspace" / "Include" / "patchlevel.h"), HasSubstr("\"3.12.0+\""));
  EXPECT_TRUE(fs::exists(state() / "artifacts" / "rehearsal-signing-key.asc"));
  // The mirrors borrow the repository's objects, read only (a copy of
  // CPython's history cost each mirror 5 s): each holds in its own store
  // only what the release added.
  for (const char* remote : {"origin", "upstream"}) {
    const fs::path mirror = sandbox / "remotes" / (std::string(remote) + ".git");
    std::string alternates = read_file(mirror / "objects" / "info" / "alternates");
    ASSERT_FALSE(alternates.empty()) << remote;
    EXPECT_EQ(alternates.back(), '\n');
    alternates.pop_back();
    EXPECT_TRUE(fs::equivalent(alternates, project.repo / ".git" / "objects")) << alternates;
    EXPECT_LT(own_objects(mirror), own_objects(project.repo / ".git") / 2) << remote;
    Ran fsck = sh("git fsck --connectivity-only --no-dangling", mirror);
    EXPECT_EQ(fsck.exit_code, 0) << remote << ": " << fsck.out << fsck.err;
  }

  // ...and outside the sandbox nothing changed: refs, objects, git
  // directories, working tree, config, the keyring.
  std::string after = snapshot(project);
  EXPECT_EQ(before, after);
  EXPECT_EQ(sh_ok("git tag -l v3.12.0", project.origin), "");
  EXPECT_EQ(listing(dir / "gnupg"), keyring);
  // The snapshot does see a change where there is one.
  sh_ok("git tag not-a-release", project.upstream);
  EXPECT_NE(snapshot(project), after);
}

TEST_F(Sandbox, StartWithoutExecuteRefusesAndWritesNoState) {
  std::string before = snapshot(project);
  Ran r = relman({"start", version, "--workflow", "pep101", "--var", "project=Minipy"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--execute")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("relman rehearse " + version)) << "it says what to do instead: " << r.err;
  EXPECT_FALSE(fs::exists(state()));
  // Nor in the default place.
  Ran d = relman({"start", version, "--workflow", "pep101"}, false);
  EXPECT_EQ(d.exit_code, 2) << d.out << d.err;
  EXPECT_FALSE(fs::exists(project.repo / "release-state"));
  EXPECT_EQ(snapshot(project), before);
}

namespace {
class SandboxAlpha : public Sandbox {
 protected:
  SandboxAlpha() : Sandbox("3.14.0a1") {}
};
}  // namespace

TEST_F(SandboxAlpha, ARehearsalIsResumedAsARehearsalAndCannotBecomeARealRun) {
  std::string before = snapshot(project);
  Ran r = relman(
      {"rehearse", version, "--workflow", "pep101", "--var", "project=Minipy", "--skip", "check-blockers,check-ci"});
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;  // the green-light gate
  auto events = journal(state());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["event"], "run_started");
  EXPECT_EQ(events[0]["mode"], "rehearse");
  EXPECT_TRUE(events[0].contains("sandbox"));

  // There is no way to ask for a real run on resume.
  Ran help = relman({"resume", "--help"}, false);
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_THAT(help.out, HasSubstr("--state-dir")) << help.out;
  EXPECT_THAT(help.out, Not(HasSubstr("--execute"))) << help.out;
  Ran forced = relman({"resume", "--execute"});
  EXPECT_EQ(forced.exit_code, 2) << forced.out << forced.err;

  ASSERT_EQ(relman({"approve", "green-light"}).exit_code, 0);
  Ran resumed = relman({"resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("rehearse mode")) << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr("a real run would have changed:")) << resumed.out;

  // Still one run start, in rehearse mode; the upload after the gate went
  // to the sandbox, not to python.org.
  events = journal(state());
  int starts = 0;
  for (const auto& e : events) {
    if (e["event"] == "run_started") ++starts;
    if (e.contains("mode")) {
      EXPECT_EQ(e["mode"], "rehearse") << e.dump();
    }
  }
  EXPECT_EQ(starts, 1);
  Ran st = relman({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_EQ(json::parse(st.out)["mode"], "rehearse");
  EXPECT_TRUE(fs::exists(state() / "sandbox" / "uploads" / "downloads.nyc1.psf.io" / "home" / "psf-users" / "3.14.0a1" /
                         "downloads" / "Minipy-3.14.0a1.tgz"));
  EXPECT_EQ(snapshot(project), before);
}
