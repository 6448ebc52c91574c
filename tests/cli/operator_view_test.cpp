// What the release manager sees: typos answered with the closest match,
// `relman status` in 80 columns, live progress that fits the terminal, and
// a confirmation that says what a remote step will do. Real binary, real
// repositories, a real pty where the terminal matters.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/width.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/pty.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

struct Repo {
  explicit Repo(const std::string& workflow, std::map<std::string, std::string> files = {{"README", "x\n"}}) {
    relman::test::make_repo(dir / "repo", files);
    write_file(dir / "wf.yaml", workflow);
  }
  Ran run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const {
    return relman::test::relman_on((dir / "st"), std::move(args), dir.path(), env);
  }
  Ran rehearse(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  TempDir dir;
};

const char* kGate =
    "name: t\nsteps:\n  - id: check-blockers\n    uses: exec\n    with: {argv: [\"true\"]}\n"
    "  - id: green-light\n    uses: gate\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST(Typos, ACommandAStepAndAnOptionGetTheClosestMatch) {
  Ran cmd = relman::test::relman({"stauts"});
  EXPECT_EQ(cmd.exit_code, 2);
  EXPECT_THAT(cmd.err, HasSubstr("did you mean `status`?")) << cmd.err;

  Ran opt = relman::test::relman({"status", "--stat-dir", "x"});
  EXPECT_EQ(opt.exit_code, 2);
  EXPECT_THAT(opt.err, HasSubstr("did you mean `--state-dir`?")) << opt.err;

  Repo r(kGate);
  Ran skip = r.rehearse({"--skip", "chek-blockers"});
  EXPECT_EQ(skip.exit_code, 2);
  EXPECT_THAT(skip.err, HasSubstr("did you mean `check-blockers`?")) << skip.err;

  ASSERT_EQ(r.rehearse().exit_code, 3);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"approve", "green-lite", "--as", "x"},
                                               {"skip", "green-lite", "--reason", "r"},
                                               {"retry", "green-lite"},
                                               {"log", "green-lite"}}) {
    Ran a = r.run(args);
    EXPECT_EQ(a.exit_code, 2) << args[0];
    EXPECT_THAT(a.err, HasSubstr("has no step 'green-lite'")) << a.err;
    EXPECT_THAT(a.err, HasSubstr("did you mean `green-light`?")) << args[0] << ": " << a.err;
  }
  // Nothing close: the list, not a wild guess.
  Ran far = r.run({"approve", "zzzzzzzz", "--as", "x"});
  EXPECT_THAT(far.err, Not(HasSubstr("did you mean"))) << far.err;
  EXPECT_THAT(far.err, HasSubstr("check-blockers green-light")) << far.err;
}

TEST(StatusView, FitsEightyColumnsWithTheFailureFirst) {
  std::string long_error;
  for (int i = 0; i < 30; ++i) long_error += "word" + std::to_string(i) + " ";
  Repo r(
      "name: t\nsteps:\n"
      "  - id: a-step-with-a-rather-long-identifier-indeed\n    uses: exec\n    with: {argv: [\"true\"]}\n"
      "  - id: fails\n    uses: exec\n    with: {argv: [sh, -c, \"echo '" +
      long_error + "' >&2; exit 4\"]}\n");
  ASSERT_EQ(r.rehearse().exit_code, 1);
  Ran st = r.run({"status"}, {{"COLUMNS", "80"}});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  auto lines = lines_of(st.out);
  ASSERT_FALSE(lines.empty());
  for (size_t i = 0; i + 1 < lines.size(); ++i)  // the last line is a command to copy whole
    EXPECT_LE(relman::cli::display_width(lines[i]), 80u) << "line " << i << ": " << lines[i];
  auto failed_at = st.out.find("FAILED fails:");
  ASSERT_NE(failed_at, std::string::npos) << st.out;
  EXPECT_LT(failed_at, st.out.find("STEP "));
  EXPECT_THAT(st.out, HasSubstr("word29")) << "the whole message is shown, wrapped: " << st.out;
}

TEST(Progress, LiveLinesFitAnEightyColumnTerminalAndShowElapsedTime) {
  std::string makefile = "all:\n";
  for (int i = 0; i < 12; ++i)
    makefile += "\t@echo 'compiling " + std::string(150, 'x') + " " + std::to_string(i) + "'; sleep 0.25\n";
  makefile += "\t@echo ok > prog\n";
  Repo r(
      "name: t\nsteps:\n  - id: tag\n    uses: git.tag\n    with: {name: v3.12.0}\n"
      "  - id: export\n    uses: archive.export\n    with: {ref: v3.12.0, prefix: p-3.12.0, formats: [tgz]}\n"
      "  - id: build\n    uses: build.make\n    with: {tarball: p-3.12.0.tgz, ccache: false, jobs: 1, program: prog}\n",
      {{"configure", "#!/bin/sh\nexit 0\n"}, {"Makefile", makefile}});
  relman::test::sh_ok("chmod +x configure && git add configure && git commit -qm x", r.dir / "repo");
  auto t = relman::test::relman_on_terminal(
      {"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "st"}, r.dir.path(), {},
      std::chrono::seconds(120), 80);
  ASSERT_EQ(t.exit_code, 0) << t.transcript;
  // Each redraw starts with "\r\033[K"; what follows up to the next control
  // sequence or newline is the live line.
  size_t redraws = 0, with_time = 0;
  for (size_t at = t.transcript.find("\r\033[K"); at != std::string::npos; at = t.transcript.find("\r\033[K", at + 1)) {
    size_t start = at + 4;
    size_t end = t.transcript.find_first_of("\r\n", start);
    std::string live = t.transcript.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (live.empty()) continue;
    ++redraws;
    EXPECT_LT(relman::cli::display_width(live), 80u) << live;
    if (live.rfind("[", 0) == 0 && live.find("] build: ") != std::string::npos) ++with_time;
  }
  EXPECT_GT(redraws, 2u) << t.transcript;
  EXPECT_GT(with_time, 0u) << t.transcript;
}

TEST(ConfirmView, ARemoteStepShowsTheRemoteItsUrlAndEachRefOldToNew) {
  Repo r(
      "name: t\nsteps:\n  - id: push\n    uses: git.push\n    with: {remote: origin, refs: [main], tags: [v3.12.0]}\n");
  relman::test::sh_ok("git init -q --bare origin.git && cd repo && git remote add origin " +
                          relman::test::quote((r.dir / "origin.git").string()) +
                          " && git push -q origin main && git commit -q --allow-empty -m new && git tag v3.12.0",
                      r.dir.path());
  std::string before = relman::test::sh_ok("git rev-parse --short=12 origin/main", r.dir / "repo");
  std::string after = relman::test::sh_ok("git rev-parse --short=12 main", r.dir / "repo");
  before.pop_back();
  after.pop_back();
  auto t = relman::test::relman_on_terminal(
      {"start", "3.12.0", "--execute", "--as", "rm", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "st"},
      r.dir.path(), {{"Go ahead? [y/N]", "n"}}, std::chrono::seconds(60), 100);
  EXPECT_EQ(t.exit_code, 3) << t.transcript;
  EXPECT_THAT(t.transcript, HasSubstr("push to origin (" + (r.dir / "origin.git").string())) << t.transcript;
  EXPECT_THAT(t.transcript, HasSubstr(before + ".." + after)) << t.transcript;
  EXPECT_THAT(t.transcript, HasSubstr("v3.12.0")) << t.transcript;
  EXPECT_THAT(t.transcript, Not(HasSubstr("{\"refs\""))) << "no raw JSON: " << t.transcript;
}
