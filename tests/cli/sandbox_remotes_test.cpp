// A rehearsal pushes into its sandbox whatever form the remote takes: a
// remote's name, a path (absolute or relative), file://, ssh://, scp-like
// user@host:path, https://. Each is mapped to a local bare mirror before
// the first step (recorded in run_started's `sandbox`); what cannot be
// mapped is refused at start with the reason. The real bare repositories
// stay byte for byte what they were.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

// A release that tags and pushes the tag to ${vars.upstream}: the smallest
// workflow that writes to a remote.
const char* kWorkflow = R"(name: push-only
vars:
  upstream: upstream
steps:
  - id: tag
    uses: git.tag
    with: {name: "v${release.version}"}
  - id: push
    uses: git.push
    with: {remote: "${vars.upstream}", tags: ["v${release.version}"]}
)";

// Every byte of a bare repository: refs, packed refs, objects, config.
std::string bytes_of(const fs::path& bare) {
  return sh_ok("git for-each-ref --format='%(objectname) %(refname)'", bare) +
         sh_ok("find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum", bare);
}

class SandboxRemotes : public ::testing::Test {
 protected:
  SandboxRemotes() : project(relman::test::make_sample_project(dir / "sample", "3.12.0")) {
    relman::test::write_file(dir / "push.yaml", kWorkflow);
    // A bare repository that is no remote of the project.
    sh_ok("git clone -q --bare " + quote(project.upstream.string()) + " " + quote((dir / "other.git").string()));
    // Remotes on servers this machine cannot reach, as a release manager's
    // clone has them: their refs are known from the last fetch.
    sh_ok(
        "git remote add gh-ssh ssh://git@example.invalid/python/cpython.git && "
        "git remote add gh-scp git@example.invalid:python/cpython-scp.git && "
        "git remote add gh-https https://example.invalid/python/cpython.git && "
        "for r in gh-ssh gh-scp gh-https; do git update-ref refs/remotes/$r/main HEAD; done",
        project.repo);
  }

  // Rehearses with upstream=`target` in a fresh state directory.
  Ran rehearse(const std::string& target, const std::string& state) {
    return relman::test::relman({"rehearse", "3.12.0", "--workflow", (dir / "push.yaml").string(), "--var",
                                 "upstream=" + target, "--state-dir", (dir / state).string(), "--sign-with", "unused"},
                                project.repo);
  }
  json run_started(const std::string& state) {
    auto events = relman::test::journal_events(dir / state);
    return events.empty() ? json() : events[0];
  }
  std::string tag_in(const fs::path& bare) {
    auto r = relman::test::sh("git rev-parse -q --verify refs/tags/v3.12.0", bare);
    return r.exit_code == 0 ? r.out.substr(0, 40) : "";
  }
  std::string reals() { return bytes_of(project.origin) + bytes_of(project.upstream) + bytes_of(dir / "other.git"); }

  TempDir dir;
  relman::test::SampleProject project;
};

}  // namespace

// A name, an absolute path, a relative path and a file:// URL of the
// project's upstream all reach the upstream's mirror, and the summary says
// so under that remote's name.
TEST_F(SandboxRemotes, EverySpellingOfARemoteOfTheRepositoryGoesToItsMirror) {
  const std::string before = reals();
  const std::string up = project.upstream.string();
  const std::vector<std::string> forms = {"upstream", up, up + "/", "../upstream.git", "file://" + up};
  int n = 0;
  for (const auto& form : forms) {
    const std::string state = "state-" + std::to_string(n++);
    Ran r = rehearse(form, state);
    ASSERT_EQ(r.exit_code, 0) << form << "\n" << r.out << r.err;
    const fs::path mirror = dir / state / "sandbox" / "remotes" / "upstream.git";
    EXPECT_EQ(tag_in(mirror), sh_ok("git rev-parse v3.12.0", dir / state / "sandbox" / "workspace").substr(0, 40))
        << form;
    EXPECT_THAT(r.out, HasSubstr("remote upstream (" + up + "): \n    refs/tags/v3.12.0 (new)")) << form << "\n"
                                                                                                 << r.out;
    json started = run_started(state);
    EXPECT_EQ(started["sandbox"]["targets"][form], "upstream") << started.dump(2);
  }
  EXPECT_EQ(reals(), before) << "a real repository changed";
  EXPECT_EQ(tag_in(project.upstream), "");
}

// A path or file:// URL that is no remote of the repository gets a mirror of
// its own, read from it; the real repository is only read.
TEST_F(SandboxRemotes, APathThatIsNoRemoteGetsAMirrorOfItsOwn) {
  const std::string before = reals();
  const std::string other = (dir / "other.git").string();
  int n = 0;
  for (const auto& form : {other, "file://" + other}) {
    const std::string state = "state-" + std::to_string(n++);
    Ran r = rehearse(form, state);
    ASSERT_EQ(r.exit_code, 0) << form << "\n" << r.out << r.err;
    json sandbox = run_started(state)["sandbox"];
    ASSERT_TRUE(sandbox["remotes"].contains(form)) << sandbox.dump(2);
    fs::path mirror = sandbox["remotes"][form]["mirror"].get<std::string>();
    EXPECT_EQ(mirror.parent_path(), dir / state / "sandbox" / "remotes");
    EXPECT_NE(tag_in(mirror), "") << form;
    EXPECT_THAT(r.out, HasSubstr("remote " + form + ": \n    refs/tags/v3.12.0 (new)")) << r.out;
  }
  EXPECT_EQ(reals(), before) << "a real repository changed";
}

// ssh://, scp-like and https:// URLs of the repository's remotes go to those
// remotes' mirrors (made from the refs the clone knows, offline).
TEST_F(SandboxRemotes, NetworkUrlsOfTheRepositorysRemotesGoToTheirMirrors) {
  const std::string before = reals();
  const std::vector<std::pair<std::string, std::string>> forms = {
      {"ssh://git@example.invalid/python/cpython.git", "gh-ssh"},
      {"git@example.invalid:python/cpython-scp.git", "gh-scp"},
      {"https://example.invalid/python/cpython.git/", "gh-https"}};
  int n = 0;
  for (const auto& [form, name] : forms) {
    const std::string state = "state-" + std::to_string(n++);
    Ran r = rehearse(form, state);
    ASSERT_EQ(r.exit_code, 0) << form << "\n" << r.out << r.err;
    EXPECT_EQ(run_started(state)["sandbox"]["targets"][form], name);
    EXPECT_NE(tag_in(dir / state / "sandbox" / "remotes" / (name + ".git")), "") << form;
    EXPECT_THAT(r.out, HasSubstr("remote " + name + " (")) << r.out;
  }
  EXPECT_EQ(reals(), before);
}

// What the sandbox cannot stand in for stops the rehearsal before its first
// step, with the reason and what to do; nothing runs, nothing is pushed.
TEST_F(SandboxRemotes, ARemoteThatCannotBeMappedIsRefusedBeforeTheFirstStep) {
  const std::string before = reals();
  const std::vector<std::string> forms = {"ssh://git@example.invalid/elsewhere.git",
                                          "git@example.invalid:elsewhere.git", "https://example.invalid/elsewhere.git",
                                          (dir / "missing.git").string(), "no-such-remote"};
  int n = 0;
  for (const auto& form : forms) {
    const std::string state = "state-" + std::to_string(n++);
    Ran r = rehearse(form, state);
    EXPECT_EQ(r.exit_code, 2) << form << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("push.yaml:")) << "file:line of the step: " << r.err;
    EXPECT_THAT(r.err, HasSubstr("step 'push'")) << r.err;
    if (form == "no-such-remote") {
      EXPECT_THAT(r.err, HasSubstr("git remote add no-such-remote")) << r.err;
    } else {
      EXPECT_THAT(r.err, HasSubstr("cannot stand in for")) << r.err;
      EXPECT_THAT(r.err, HasSubstr("--skip push")) << r.err;
    }
    for (const auto& ev : relman::test::journal_events(dir / state))
      EXPECT_NE(ev.value("event", ""), "step_started") << "a step ran: " << ev.dump();
  }
  EXPECT_EQ(reals(), before);
}

// A remote only another step's outputs can tell is refused at start too.
TEST_F(SandboxRemotes, ARemoteComputedByAStepIsRefusedAtStart) {
  std::string wf = kWorkflow;
  wf.replace(wf.find("${vars.upstream}"), std::string("${vars.upstream}").size(), "${steps.tag.outputs.tag}");
  relman::test::write_file(dir / "push.yaml", wf);
  Ran r = rehearse("upstream", "state");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("before it starts")) << r.err;
}
