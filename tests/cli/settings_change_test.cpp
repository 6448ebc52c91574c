// `relman resume --var K=V` corrects a setting recorded at the start: an
// audited settings_changed event, refused when a finished step used the old
// value unless the user names the steps to redo.
#include <gtest/gtest.h>
#include "test_paths.h"

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
vars:
  out: /nonexistent
  project: Python
steps:
  - id: one
    uses: exec
    with: {argv: [sh, -c, "echo ${vars.project} > ${vars.out}/one"]}
  - id: two
    uses: exec
    with: {argv: [sh, -c, "test -f ${vars.out}/ok"]}
  - id: three
    uses: exec
    with: {argv: [sh, -c, "echo ${vars.project} > ${vars.out}/three"]}
)";

struct Fixture {
  Fixture() {
    relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
    fs::create_directories(dir / "out");
    write_file(dir / "wf.yaml", kWorkflow);
  }
  Ran run(std::vector<std::string> args) const {
    return relman::test::relman_on((dir / "st"), std::move(args), dir.path());
  }
  TempDir dir;
};

}  // namespace

TEST(SettingsChange, AVarUsedByAFinishedStepNeedsRedoAndIsAudited) {
  Fixture f;
  ASSERT_EQ(f.run({"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--var",
                   "out=" + (f.dir / "out").string()})
                .exit_code,
            1);
  EXPECT_EQ(read_file(f.dir / "out" / "one"), "Python\n");

  Ran refused = f.run({"resume", "--var", "project=Minipy", "--as", "Ann"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("already finished: one")) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("relman resume --var project=Minipy --redo one")) << refused.err;
  for (const auto& e : relman::test::journal_events(f.dir / "st"))
    EXPECT_NE(e["event"], "settings_changed") << "a refused change records nothing";

  Ran unknown = f.run({"resume", "--var", "nosuch=1"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;

  write_file(f.dir / "out" / "ok", "");
  Ran ok = f.run({"resume", "--var", "project=Minipy", "--redo", "one", "--as", "Ann"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(read_file(f.dir / "out" / "one"), "Minipy\n");
  EXPECT_EQ(read_file(f.dir / "out" / "three"), "Minipy\n");

  int changes = 0;
  for (const auto& e : relman::test::journal_events(f.dir / "st"))
    if (e["event"] == "settings_changed") {
      ++changes;
      EXPECT_EQ(e["from"]["vars"]["project"], "Python");
      EXPECT_EQ(e["to"]["vars"]["project"], "Minipy");
      EXPECT_EQ(e["by"], "Ann");
      EXPECT_TRUE(e.contains("time"));
      EXPECT_EQ(e["redo"], json::array({"one"}));
    }
  EXPECT_EQ(changes, 1);

  Ran st = f.run({"status"});
  EXPECT_THAT(st.out, HasSubstr("settings changed:")) << st.out;
  EXPECT_THAT(st.out, HasSubstr("by Ann: vars.project Python -> Minipy (redo one)")) << st.out;
  Ran rep = f.run({"report"});
  EXPECT_THAT(rep.out, HasSubstr("## Settings changed")) << rep.out;
  EXPECT_THAT(rep.out, HasSubstr("vars.project Python -> Minipy")) << rep.out;
  // A later resume keeps the corrected value (folded from the journal).
  auto js = json::parse(f.run({"status", "--json"}).out);
  EXPECT_EQ(js["settings_changes"].size(), 1u);
}

TEST(SettingsChange, AVarNoFinishedStepUsedIsAcceptedWithoutRedo) {
  Fixture f;
  ASSERT_EQ(f.run({"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--var",
                   "out=" + (f.dir / "out").string(), "--skip", "one"})
                .exit_code,
            1);
  write_file(f.dir / "out" / "ok", "");
  Ran ok = f.run({"resume", "--var", "project=Minipy", "--as", "Ann"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(read_file(f.dir / "out" / "three"), "Minipy\n");
  EXPECT_FALSE(fs::exists(f.dir / "out" / "one"));
}

TEST(SettingsChange, ARehearsalWithItsThrowawayKeyRefusesAnotherKey) {
  Fixture f;
  ASSERT_EQ(f.run({"rehearse", "3.12.0", "--repo", "repo", "--workflow", "wf.yaml", "--var",
                   "out=" + (f.dir / "out").string()})
                .exit_code,
            1);
  Ran r = f.run({"resume", "--sign-with", "ABCDEF0123456789"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("throwaway key")) << r.err;
}
