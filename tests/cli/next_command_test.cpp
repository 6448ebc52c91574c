// The one next command: a build that fails on the source names
// `relman retry tag` in the step's failure, the summary, status (plain and
// --json), the --ci events and the report; a plain failure keeps `relman
// resume`. Through the real binary on a real repository.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const char* kWorkflow = R"(name: t
steps:
  - id: tag
    uses: git.tag
    with: {name: v3.12.0}
  - id: export
    uses: archive.export
    with: {ref: v3.12.0, prefix: pkg-3.12.0, formats: [tgz]}
  - id: build
    uses: build.make
    with: {tarball: pkg-3.12.0.tgz, ccache: false, jobs: 1, program: prog}
)";

struct Project {
  Project() {
    relman::test::make_repo(dir / "repo",
                            {{"configure", "#!/bin/sh\nexit 0\n"},
                             {"Makefile", "all:\n\t@echo 'prog.c:1: error: the source is broken' >&2; exit 1\n"}});
    relman::test::sh_ok("chmod +x configure && git add configure && git commit -q -m exec", dir / "repo");
    write_file(dir / "wf.yaml", kWorkflow);
  }
  Ran run(std::vector<std::string> args) const {
    return relman::test::relman_on((dir / "st"), std::move(args), dir.path());
  }
  TempDir dir;
};

}  // namespace

TEST(NextCommand, ABuildBrokenInTheSourceNamesRetryTagEverywhere) {
  Project p;
  Ran r = p.run({"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--ci"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  // --ci: the step_failed event carries it.
  bool seen = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto ev = json::parse(line);
    if (ev["event"] == "step_failed") {
      EXPECT_EQ(ev["step"], "build");
      EXPECT_EQ(ev["next"], "relman retry tag");
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << r.out;
  // The summary (on stderr with --ci): retry tag, not resume.
  EXPECT_THAT(r.err, HasSubstr("then: relman retry tag --state-dir")) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("then: relman resume"))) << r.err;

  Ran st = p.run({"status"});
  EXPECT_EQ(st.exit_code, 0) << st.err;
  EXPECT_THAT(st.out, HasSubstr("then: relman retry tag --state-dir")) << st.out;
  EXPECT_THAT(st.out, Not(HasSubstr("relman resume"))) << st.out;
  auto js = json::parse(p.run({"status", "--json"}).out);
  EXPECT_THAT(js["next"].get<std::string>(), HasSubstr("relman retry tag")) << js.dump();
  EXPECT_EQ(js["steps"][2]["next"], "relman retry tag");
  Ran rep = p.run({"report"});
  EXPECT_THAT(rep.out, HasSubstr("`relman retry tag --state-dir")) << rep.out;

  // The command is right: after a fix, `relman retry tag` (with the tag
  // deleted, as the message says) makes a new tarball and the build passes.
  relman::test::sh_ok("printf 'all:\\n\\techo ok > prog\\n' > Makefile && git commit -qam fix",
                      p.dir / "st" / "sandbox" / "workspace");
  relman::test::sh_ok("git tag -d v3.12.0", p.dir / "st" / "sandbox" / "workspace");
  Ran fixed = p.run({"retry", "tag"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
}

TEST(NextCommand, AnOrdinaryFailureStillSaysResume) {
  TempDir dir;
  relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
  write_file(dir / "wf.yaml", "name: t\nsteps:\n  - id: one\n    uses: exec\n    with: {argv: [sh, -c, \"exit 3\"]}\n");
  Ran r = relman::test::relman({"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--state-dir", "st"},
                               dir.path());
  ASSERT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("then: relman resume --state-dir st")) << r.out;
  auto events = relman::test::journal_events(dir / "st");
  bool failed = false;
  for (const auto& e : events)
    if (e["event"] == "step_failed") failed = e.value("next", "") == "relman resume";
  EXPECT_TRUE(failed);
}
