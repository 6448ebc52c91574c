// relman doctor: every pre-flight failure found before the first change,
// each saying what to do, and nothing changed; a ready repository passes;
// a rehearsal reports the same checks in its summary. Real repositories,
// a real bare upstream, a real keyring.
#include <gtest/gtest.h>
#include "test_paths.h"

#include "support/gpg_home.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const char* kWorkflow = R"(name: t
steps:
  - id: check
    uses: exec
    with: {argv: [no-such-tool-xyz, --check]}
  - id: tag
    uses: git.tag
    with: {name: "v${release.version}", sign: true}
  - id: push
    uses: git.push
    with: {remote: upstream, refs: ["${release.branch}"], token_env: RELMAN_TEST_TOKEN_NOT_SET}
)";

struct Project {
  Project() {
    relman::test::make_repo(dir / "repo",
                            {{"README", "x\n"}, {"Include/patchlevel.h", "#define PY_VERSION \"3.12.0rc3+\"\n"}});
    sh_ok(
        "git branch -m 3.12 && git init -q --bare ../upstream.git && git remote add upstream ../upstream.git && "
        "git push -q upstream 3.12 && git branch -q --set-upstream-to upstream/3.12",
        dir / "repo");
    write_file(dir / "wf.yaml", kWorkflow);
  }
  Ran doctor(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) const {
    std::vector<std::string> args = {"doctor", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml"};
    args.insert(args.end(), extra.begin(), extra.end());
    env.emplace("COLUMNS", "200");
    return relman::test::relman(args, dir.path(), env);
  }
  TempDir dir;
};

}  // namespace

TEST(Doctor, FindsEveryProblemBeforeTheFirstChangeAndSaysWhatToDo) {
  relman::test::GpgHome gpg;  // an empty keyring: no key to sign with
  Project p;
  // Upstream moves on without us; the tree gets an uncommitted change.
  sh_ok(
      "git clone -q -b 3.12 upstream.git other && cd other && git -c user.name=o -c user.email=o@x commit -q "
      "--allow-empty "
      "-m later && git push -q origin 3.12",
      p.dir.path());
  write_file(p.dir / "repo" / "README", "changed\n");
  std::string head_before = sh_ok("git rev-parse HEAD && git status --porcelain && git for-each-ref", p.dir / "repo");

  Ran r = p.doctor();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const char* expected : {"FAIL tool no-such-tool-xyz: not found in PATH (step check runs it)",
                               "FAIL signing key:", "FAIL credential RELMAN_TEST_TOKEN_NOT_SET: not set",
                               "FAIL clean tree: 1 change", "FAIL upstream: 3.12 is behind upstream/3.12",
                               "ok   branch: 3.12", "ok   remote upstream:", "ok   patchlevel.h: 3.12.0rc3+ -> 3.12.0"})
    EXPECT_THAT(r.out, HasSubstr(expected)) << expected << "\n" << r.out;
  // Each failure says what to do.
  EXPECT_THAT(r.out, HasSubstr("fix: git pull --ff-only upstream 3.12")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("fix: commit or stash them")) << r.out;
  // Nothing changed: same HEAD, same status, same refs (nothing fetched).
  EXPECT_EQ(sh_ok("git rev-parse HEAD && git status --porcelain && git for-each-ref", p.dir / "repo"), head_before);

  // Another version: the wrong branch, and patchlevel.h disagrees.
  Ran other = relman::test::relman({"doctor", "3.13.0a1", "--repo", "repo", "--workflow", "wf.yaml"}, p.dir.path());
  EXPECT_THAT(other.out, HasSubstr("FAIL branch: on 3.12, but 3.13.0a1 is released from main")) << other.out;
  EXPECT_THAT(other.out, HasSubstr("FAIL patchlevel.h: the branch is 3.12")) << other.out;
}

TEST(Doctor, AReadyRepositoryPassesAndARehearsalReportsTheChecks) {
  relman::test::GpgHome gpg;
  gpg.add_key();
  Project p;
  write_file(p.dir / "wf.yaml",
             "name: t\nsteps:\n  - id: tag\n    uses: git.tag\n    with: {name: \"v${release.version}\", sign: true}\n"
             "  - id: push\n    uses: git.push\n    with: {remote: upstream, refs: [\"${release.branch}\"], "
             "token_env: RELMAN_TEST_TOKEN}\n");
  Ran r = p.doctor({}, {{"RELMAN_TEST_TOKEN", "t0ken"}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok   signing key:")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("signs without a prompt; used by tag")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("all checks passed")) << r.out;

  // A rehearsal checks the real repository and keyring the same way and
  // says so at the end of its summary (here: the token is missing).
  Ran reh = relman::test::relman(
      {"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "st", "--skip", "push"},
      p.dir.path());
  EXPECT_EQ(reh.exit_code, 0) << reh.out << reh.err;
  EXPECT_THAT(reh.out, HasSubstr("pre-flight of the real run (your repository and keyring): all checks passed"))
      << reh.out;
  Ran reh2 = relman::test::relman(
      {"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "st2"}, p.dir.path());
  EXPECT_THAT(reh2.out, HasSubstr("pre-flight of the real run (your repository and keyring): NOT READY")) << reh2.out;
  EXPECT_THAT(reh2.out, HasSubstr("FAIL credential RELMAN_TEST_TOKEN: not set")) << reh2.out;
}

// An ssh remote or an sftp upload whose host key known_hosts does not hold
// would be refused at push or upload time, after the release commit: doctor
// says so first, with the command that fetches the key. The host name is the
// one each transfer looks up (the bare host for git's ssh, "[host]:port" for
// sftp on another port).
TEST(Doctor, AnSshHostWhoseKeyIsNotKnownFailsBeforeTheDay) {
  Project p;
  sh_ok("git remote add fork ssh://git@127.0.0.1:2222/fork.git", p.dir / "repo");
  write_file(
      p.dir / "wf.yaml",
      "name: t\nsteps:\n  - id: push\n    uses: git.push\n    with: {remote: fork, refs: [\"${release.branch}\"]}\n"
      "  - id: upload\n    uses: http.upload\n    with: {url: \"sftp://rm@127.0.0.1:2200/srv/\", files: "
      "[SHA256SUMS]}\n");
  fs::create_directories(p.dir / "home" / ".ssh");
  std::map<std::string, std::string> env = {{"HOME", (p.dir / "home").string()}};
  Ran none = p.doctor({}, env);
  EXPECT_EQ(none.exit_code, 1) << none.out << none.err;
  EXPECT_THAT(none.out,
              HasSubstr("FAIL remote fork: ssh://git@127.0.0.1:2222/fork.git: the host key of 127.0.0.1 is not in"))
      << none.out;
  EXPECT_THAT(none.out, HasSubstr("ssh-keyscan -p 2222 127.0.0.1 >>")) << none.out;
  EXPECT_THAT(none.out,
              HasSubstr("FAIL upload url: sftp://rm@127.0.0.1:2200/srv/: the host key of [127.0.0.1]:2200 is not in"))
      << none.out;

  // Listed under the names the transfers look up: both pass. The port-less
  // entry alone does not satisfy sftp on port 2200.
  const std::string key = " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";
  write_file(p.dir / "home" / ".ssh" / "known_hosts", "# a comment\n127.0.0.1" + key);
  Ran half = p.doctor({}, env);
  EXPECT_THAT(half.out, HasSubstr("ok   remote fork: ssh://git@127.0.0.1:2222/fork.git")) << half.out;
  EXPECT_THAT(half.out, HasSubstr("FAIL upload url:")) << half.out;
  write_file(p.dir / "home" / ".ssh" / "known_hosts", "127.0.0.1" + key + "[127.0.0.1]:2200" + key);
  Ran both = p.doctor({}, env);
  EXPECT_THAT(both.out, HasSubstr("ok   remote fork:")) << both.out;
  EXPECT_THAT(both.out, HasSubstr("ok   upload url: sftp://rm@127.0.0.1:2200/srv/")) << both.out;
}

TEST(Verbosity, QuietSaysOnlyTheResultAndVerboseKeepsEveryProgressLine) {
  TempDir dir;
  relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
  write_file(dir / "wf.yaml",
             "name: t\nsteps:\n  - id: one\n    uses: exec\n    with: {argv: [\"true\"]}\n"
             "  - id: two\n    uses: exec\n    with: {argv: [sh, -c, \"exit 3\"]}\n");
  Ran q = relman::test::relman(
      {"-q", "rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "st"}, dir.path());
  EXPECT_EQ(q.exit_code, 1);
  EXPECT_THAT(q.out, Not(HasSubstr("ok one"))) << q.out;
  EXPECT_THAT(q.out, Not(HasSubstr("steps:"))) << q.out;
  EXPECT_THAT(q.out, HasSubstr("FAILED two")) << q.out;
  EXPECT_THAT(q.out, HasSubstr("then: relman resume --state-dir st")) << q.out;
  Ran sq = relman::test::relman({"status", "--quiet", "--state-dir", "st"}, dir.path());
  EXPECT_THAT(sq.out, Not(HasSubstr("STEP"))) << sq.out;
  EXPECT_THAT(sq.out, HasSubstr("relman resume")) << sq.out;
  Ran both = relman::test::relman({"status", "-q", "-v", "--state-dir", "st"}, dir.path());
  EXPECT_EQ(both.exit_code, 2);
  Ran v = relman::test::relman({"resume", "-v", "--state-dir", "st"}, dir.path());
  EXPECT_THAT(v.out, HasSubstr("-> two")) << v.out;
  EXPECT_THAT(v.out, HasSubstr("steps:")) << v.out;
}

// A release signed with Sigstore (3.14 and later): before the day, doctor
// says where the identity will come from, whom the workflow expects for
// this X.Y, and whether the trust root a real run verifies against is there
// and is one.
TEST(Doctor, SigstoreIdentityAndTrustRootAreCheckedBeforeTheDay) {
  Project p;
  auto workflow = [&](const std::string& identities, const std::string& trusted_root) {
    write_file(p.dir / "wf.yaml",
               "name: t\nsteps:\n"
               "  - id: sigstore-sign\n    uses: sigstore.sign\n    with:\n"
               "      files: [Python-3.12.0.tgz]\n      identities: " +
                   identities +
                   "\n"
                   "  - id: sigstore-verify\n    uses: sigstore.verify\n    needs: [sigstore-sign]\n"
                   "    with:\n      files: [Python-3.12.0.tgz]\n      identities: " +
                   identities + "\n" + (trusted_root.empty() ? "" : "      trusted_root: " + trusted_root + "\n"));
  };
  workflow(R"({"3.11": [pablogsal@python.org, https://accounts.google.com]})", "");
  Ran r = p.doctor({}, {{"SIGSTORE_ID_TOKEN", ""}, {"ACTIONS_ID_TOKEN_REQUEST_URL", ""}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL sigstore signer (sigstore-sign): no release manager's identity for Python 3.12"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("FAIL sigstore trust root (sigstore-verify): none given")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("sigstore_trusted_root=PATH")) << r.out;
  // No token and no terminal: a warning (the day's run may be at one).
  EXPECT_THAT(r.out, HasSubstr("warn sigstore identity (sigstore-sign): no token in SIGSTORE_ID_TOKEN")) << r.out;

  write_file(p.dir / "not-a-root.json", R"({"mediaType": "something else"})");
  workflow(R"({"3.12": [thomas@python.org, https://accounts.google.com]})", "../not-a-root.json");
  r = p.doctor({}, {{"SIGSTORE_ID_TOKEN", "eyJhbGciOiJub25lIn0.e30.token-for-doctor"}});
  EXPECT_THAT(r.out, HasSubstr("ok   sigstore signer (sigstore-sign): thomas@python.org (https://accounts.google.com)"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("ok   sigstore identity (sigstore-sign): a token in SIGSTORE_ID_TOKEN")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("names no certificate authority or no transparency log")) << r.out;

  write_file(p.dir / "trusted_root.json",
             R"({"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",)"
             R"( "tlogs": [{"baseUrl": "https://rekor.sigstore.dev"}],)"
             R"( "certificateAuthorities": [{"uri": "https://fulcio.sigstore.dev"}]})");
  workflow(R"({"3.12": [thomas@python.org, https://accounts.google.com]})", "../trusted_root.json");
  r = p.doctor({}, {{"SIGSTORE_ID_TOKEN", "eyJhbGciOiJub25lIn0.e30.token-for-doctor"}});
  EXPECT_THAT(r.out, HasSubstr("ok   sigstore trust root (sigstore-verify):")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("1 certificate authorities, 1 logs")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("token-for-doctor"))) << "the token itself is never shown";
}

// pep101's staging folder is made of vars (/home/psf-users/${vars.ssh_user}/):
// one left empty leaves an empty part in the path, which doctor names
// before the day instead of the upload failing after the release commit.
TEST(Doctor, AnUploadPathWithAnEmptyPartNamesTheVarToGive) {
  Project p;
  write_file(p.dir / "wf.yaml",
             "name: t\nvars: {ssh_user: \"\"}\nsteps:\n  - id: upload\n    uses: http.upload\n"
             "    with: {url: \"sftp://127.0.0.1:2200/home/psf-users/${vars.ssh_user}/3.12.0/downloads/\", files: "
             "[SHA256SUMS]}\n");
  Ran empty = p.doctor();
  EXPECT_EQ(empty.exit_code, 1) << empty.out << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("FAIL upload url: sftp://127.0.0.1:2200/home/psf-users//3.12.0/downloads/: the "
                                   "path has an empty part"))
      << empty.out;
  EXPECT_THAT(empty.out, HasSubstr("--var ssh_user=")) << empty.out;
  Ran given = p.doctor({"--var", "ssh_user=rm"});
  EXPECT_THAT(given.out, Not(HasSubstr("empty part"))) << given.out;
  EXPECT_THAT(given.out, HasSubstr("upload url: sftp://127.0.0.1:2200/home/psf-users/rm/3.12.0/downloads/"))
      << given.out;
}

// A final builds its docs: the sphinx-build the step will run, or the
// build-release workflow's folder it will take, is found before the day.
TEST(Doctor, TheDocsToolchainOrTheGivenDocsFolderIsCheckedBeforeTheDay) {
  Project p;
  write_file(
      p.dir / "wf.yaml",
      "name: t\nvars: {docs_from: \"\", sphinx_build: \"\"}\nsteps:\n  - id: docs-build\n    uses: cpython.docs\n"
      "    with: {tarball: Python-3.12.0.tgz, from: \"${vars.docs_from}\", sphinx_build: "
      "\"${vars.sphinx_build}\"}\n");
  Ran missing = p.doctor({"--var", "sphinx_build=no-such-sphinx-build"});
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_THAT(missing.out, HasSubstr("FAIL docs (docs-build): no sphinx-build")) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("make -C Doc venv")) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("--var docs_from=FOLDER")) << missing.out;

  // Debian's python3-sphinx (scripts/setup.sh) on PATH.
  Ran found = p.doctor();
  EXPECT_THAT(found.out, HasSubstr("docs (docs-build): built with /usr/bin/sphinx-build")) << found.out;

  Ran empty_folder = p.doctor({"--var", "docs_from=" + (p.dir / "downloaded").string()});
  EXPECT_THAT(empty_folder.out, HasSubstr("FAIL docs (docs-build): " + (p.dir / "downloaded").string() +
                                          " does not hold python-3.12.0-docs-html.zip"))
      << empty_folder.out;
  write_file(p.dir / "downloaded" / "python-3.12.0-docs-html.zip", "zip\n");
  write_file(p.dir / "downloaded" / "python-3.12.0-docs-html.tar.bz2", "bz2\n");
  Ran given = p.doctor({"--var", "docs_from=" + (p.dir / "downloaded").string()});
  EXPECT_THAT(given.out, HasSubstr("docs (docs-build): taken from " + (p.dir / "downloaded").string())) << given.out;
  EXPECT_THAT(given.out, Not(HasSubstr("FAIL docs"))) << given.out;
}
