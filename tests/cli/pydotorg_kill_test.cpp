// pydotorg.release through the real binary: killed with SIGKILL while
// python.org (the loopback stand-in) has stored an object but not answered,
// then resumed: one release object, each file once, and the API key in no
// file of the state directory and in no output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "adapters/http.h"
#include "support/http_server.h"
#include "support/journal_file.h"
#include "support/relman_process.h"
#include "support/shell.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using relman::test::count_events;
using relman::test::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kAuth = "rm:K1llTestApiKey0123456789abcdef";

json pydotorg(const relman::test::FakeServer& server) {
  relman::http::Options o;
  o.max_attempts = 1;
  return relman::http::Client(o).get_json(server.url() + "/_control/pydotorg");
}

class PydotorgKill : public ::testing::TestWithParam<std::string> {};

// The stand-in stores the object named by the parameter, then holds its
// answer; relman is killed while it waits for it.
TEST_P(PydotorgKill, KilledAfterPythonOrgStoredAnObjectResumesWithoutDoublingIt) {
  const std::string held = GetParam();
  relman::test::FakeServer server(
      json{{"pydotorg_auth", kAuth},
           {"pydotorg_faults", {{{"type", held}, {"action", "hang"}, {"seconds", 60}, {"times", 1}}}}});
  relman::test::ScopedEnv key{"PYTHON_ORG_AUTH", kAuth};
  relman::test::TempDir dir;
  relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
  write_file(
      dir / "wf.yaml",
      "name: t\nsteps:\n"
      "  - id: files\n    uses: exec\n"
      "    with: {argv: [sh, -c, \"printf gz > ${run.artifacts}/Python-3.12.0.tgz; "
      "printf xz > ${run.artifacts}/Python-3.12.0.tar.xz; printf sig > ${run.artifacts}/Python-3.12.0.tgz.asc\"]}\n"
      "  - id: page\n    uses: pydotorg.release\n"
      "    with: {api: \"" +
          server.url() + "/api/v1/\", files_url: \"https://www.python.org/ftp/python/3.12.0/\"}\n");
  const fs::path state = dir / "repo" / ".git" / "relman" / "rehearse-3.12.0";

  relman::test::RelmanProcess run({"rehearse", "3.12.0", "--workflow", (dir / "wf.yaml").string()}, dir / "repo");
  // Kill it once the stand-in holds the object it has not answered for.
  const bool stored = run.wait_until([&] { return !pydotorg(server)[held].empty(); }, std::chrono::milliseconds(20),
                                     std::chrono::seconds(40));
  ASSERT_TRUE(stored) << "relman ended before python.org answered, or the stand-in never got the " << held
                      << ": exit status " << run.status();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(run.kill_now()) << "relman was not waiting for python.org when killed";
  EXPECT_EQ(count_events(relman::test::journal_events(state), "step_succeeded", "page"), 0);

  auto resumed = relman::test::relman({"resume"}, dir / "repo");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count_events(relman::test::journal_events(state), "step_succeeded", "page"), 1);
  auto db = pydotorg(server);
  ASSERT_EQ(db["release"].size(), 1u) << db.dump();
  ASSERT_EQ(db["release_file"].size(), 2u) << db.dump();
  EXPECT_NE(db["release_file"][0]["url"], db["release_file"][1]["url"]);
  EXPECT_EQ(db["release_file"][1]["gpg_signature_file"],
            "https://www.python.org/ftp/python/3.12.0/Python-3.12.0.tgz.asc");

  // The key was used (the stand-in refuses requests without it) and kept nowhere.
  const std::string secret = kAuth.substr(3);
  EXPECT_THAT(resumed.out + resumed.err, Not(HasSubstr(secret)));
  EXPECT_EQ(relman::test::files_containing(state.string(), secret), std::vector<std::string>{});
  auto log = relman::test::relman({"log", "page"}, dir / "repo");
  EXPECT_THAT(log.out, HasSubstr("created")) << log.out;
  EXPECT_THAT(log.out + log.err, Not(HasSubstr(secret)));
}

INSTANTIATE_TEST_SUITE_P(HeldObject, PydotorgKill, ::testing::Values("release", "release_file"));

}  // namespace
