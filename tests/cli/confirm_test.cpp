// A real run at a terminal: before each step with a remote effect relman
// shows what it is about to do and asks; a gate asks for the green light.
// Without a terminal it never goes ahead unasked unless told --yes. Driven
// through a real pseudo-terminal; the "CDN" is the loopback fake server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/pty.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using relman::test::FakeServer;

namespace {

class Confirm : public ::testing::Test {
 protected:
  Confirm() {
    relman::test::make_repo(dir / "repo", {{"README", "x\n"}});
    write_file(dir / "repo" / "wf.yaml",
               "name: confirm\n"
               "steps:\n"
               "  - id: prepare\n"
               "    uses: exec\n"
               "    with: {argv: [\"true\"]}\n"
               "  - id: green-light\n"
               "    uses: gate\n"
               "    needs: [prepare]\n"
               "    with: {message: \"the builders are green\"}\n"
               "  - id: purge\n"
               "    uses: cdn.purge\n"
               "    needs: [green-light]\n"
               "    with: {urls: [\"" +
                   server.url() + "/ftp/python/3.12.0/\"]}\n");
    // The workflow file is not part of the tree relman checks for changes.
    relman::test::sh_ok("git add wf.yaml && git commit -qm workflow", dir / "repo");
  }

  int purges() const {
    int n = 0;
    for (const auto& r : server.requests()) n += r["method"] == "PURGE";
    return n;
  }
  std::vector<std::string> started() const {
    std::vector<std::string> ids;
    for (const auto& ev : relman::test::journal_events(dir / "repo" / ".git" / "relman" / "3.12.0"))
      if (ev["event"] == "step_started") ids.push_back(ev["step"]);
    return ids;
  }

  TempDir dir;
  FakeServer server;
};

}  // namespace

TEST_F(Confirm, AtATerminalItAsksAtTheGateAndBeforeTheRemoteStep) {
  auto first = relman::test::relman_on_terminal({"start", "3.12.0", "--execute", "--workflow", "wf.yaml"}, dir / "repo",
                                                {{"Approve and continue? [y/N]", "y"}, {"Go ahead? [y/N]", "n"}});
  EXPECT_EQ(first.answered, 2u) << first.transcript;
  EXPECT_EQ(first.exit_code, 3) << first.transcript;
  // It said what it was about to do, with the expanded parameters.
  EXPECT_THAT(first.transcript, HasSubstr("STOP: the builders are green (green-light)")) << first.transcript;
  EXPECT_THAT(first.transcript, HasSubstr("about to run purge (cdn.purge), which changes what other machines see"))
      << first.transcript;
  EXPECT_THAT(first.transcript, HasSubstr(server.url() + "/ftp/python/3.12.0/")) << first.transcript;
  EXPECT_THAT(first.transcript, HasSubstr("relman resume")) << first.transcript;
  // Declining did nothing: no request, and the step never started.
  EXPECT_EQ(purges(), 0);
  EXPECT_EQ(started(), std::vector<std::string>({"prepare"}));

  // Resumed, it asks again (the gate's green light is kept) and goes ahead.
  auto second = relman::test::relman_on_terminal({"resume"}, dir / "repo", {{"Go ahead? [y/N]", "y"}});
  EXPECT_EQ(second.answered, 1u) << second.transcript;
  EXPECT_EQ(second.exit_code, 0) << second.transcript;
  EXPECT_THAT(second.transcript, Not(HasSubstr("Approve and continue?"))) << second.transcript;
  EXPECT_EQ(purges(), 1);
  EXPECT_EQ(started(), std::vector<std::string>({"prepare", "purge"}));
}

TEST_F(Confirm, AnythingButYesIsNo) {
  for (const char* answer : {"", "yes please no", "N", "q"}) {
    auto r = relman::test::relman_on_terminal({"start", "3.12.0", "--execute", "--workflow", "wf.yaml", "--yes"},
                                              dir / "repo", {{"Approve and continue? [y/N]", answer}});
    EXPECT_EQ(r.exit_code, 3) << answer << "\n" << r.transcript;
    EXPECT_EQ(purges(), 0) << answer;
    fs::remove_all(dir / "repo" / ".git" / "relman");
  }
}

TEST_F(Confirm, WithoutATerminalItStopsUnlessToldYes) {
  relman::test::Ran r = relman::test::relman({"start", "3.12.0", "--execute", "--workflow", "wf.yaml"}, dir / "repo");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // the gate: no terminal to ask on
  ASSERT_EQ(relman::test::relman({"approve", "green-light", "--as", "rm"}, dir / "repo").exit_code, 0);
  r = relman::test::relman({"resume"}, dir / "repo");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  std::string said = r.out + r.err;
  EXPECT_THAT(said, HasSubstr("about to run purge")) << said;
  EXPECT_THAT(said, HasSubstr("relman resume --yes")) << "it says how to go ahead: " << said;
  EXPECT_EQ(purges(), 0);
  r = relman::test::relman({"resume", "--yes"}, dir / "repo");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(purges(), 1);
}
