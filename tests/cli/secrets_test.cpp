// A token never leaves the process: a whole workflow that reads GitHub with
// GITHUB_TOKEN, uploads and announces against the loopback server that
// demands the token, and the token appears in no file of the state
// directory, in no output of relman, not even when a step prints it or the
// server refuses it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/http_server.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/script_server.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using relman::test::FakeServer;
using relman::test::files_containing;

namespace {

const std::string kToken = "ghp_S3cretT0kenForTests0123456789abcdef";
// python.org's API key, "username:api_key", read by pydotorg.release.
const std::string kPydotorgKey = "rm:Pyd0tOrgApiKeyForTests0123456789";

// ci.require_green and issues.require_no_blockers read the fake GitHub with
// the token; a step prints the token (as a careless script would) and fails
// unless the file `go` names exists; the file is uploaded, the release page
// made with python.org's key and the announcement posted to the same server.
std::string workflow(const std::string& api) {
  return "name: secrets\n"
         "vars:\n"
         "  api: " +
         api +
         "\n"
         "  go: /\n"
         "steps:\n"
         "  - id: green\n"
         "    uses: ci.require_green\n"
         "    with: {api: \"${vars.api}\", repo: o/r, ref: main}\n"
         "  - id: blockers\n"
         "    uses: issues.require_no_blockers\n"
         "    with: {api: \"${vars.api}\", repo: o/r}\n"
         "  - id: notes\n"
         "    uses: exec\n"
         "    with: {argv: [sh, -c, \"echo \\\"building with token $GITHUB_TOKEN\\\"; "
         "test -e ${vars.go} || { echo not yet >&2; exit 1; }; echo release notes > ${run.artifacts}/notes.txt; "
         "echo tarball > ${run.artifacts}/Python-3.12.0.tgz\"]}\n"
         "  - id: upload\n"
         "    uses: http.upload\n"
         "    with: {url: \"${vars.api}/upload/secrets/\", files: [notes.txt]}\n"
         "  - id: page\n"
         "    uses: pydotorg.release\n"
         "    with: {api: \"${vars.api}/api/v1/\", files_url: \"${vars.api}/ftp/python/3.12.0/\"}\n"
         "  - id: announce\n"
         "    uses: announce\n"
         "    with: {webhook: \"${vars.api}/hook/releases\", project: Minipy}\n";
}

class Secrets : public ::testing::Test {
 protected:
  Secrets()
      : server(json{{"token", kToken},
                    {"status",
                     {{"main", {{"state", "success"}, {"statuses", {{{"context", "build"}, {"state", "success"}}}}}}}},
                    {"issues", json::array()},
                    {"pydotorg_auth", kPydotorgKey}}) {
    relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
    write_file(dir / "wf.yaml", workflow(server.url()));
  }
  Ran relman(std::vector<std::string> args, const std::string& token) {
    return relman::test::relman_on(state(), std::move(args), dir / "repo",
                                   {{"GITHUB_TOKEN", token},
                                    {"PYTHON_ORG_AUTH", kPydotorgKey},
                                    {"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()},
                                    {"RELMAN_HTTP_ATTEMPTS", "2"},
                                    {"RELMAN_HTTP_RETRY_BASE_MS", "1"}});
  }
  Ran rehearse(const std::string& token) {
    return relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string()},
                  token);
  }
  fs::path state() const { return dir / "state"; }
  void expect_nowhere(const std::string& secret, const Ran& r, const std::string& what) {
    EXPECT_THAT(r.out, Not(HasSubstr(secret))) << what << " stdout: " << r.out;
    EXPECT_THAT(r.err, Not(HasSubstr(secret))) << what << " stderr: " << r.err;
  }

  TempDir dir;
  FakeServer server;
};

}  // namespace

TEST_F(Secrets, AWholeRunWritesTheTokenNowhere) {
  Ran r = rehearse(kToken);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_nowhere(kToken, r, "rehearse");

  // The token was really used: the GitHub reads carried it (the server
  // refuses them otherwise), the upload and the post arrived.
  int authorised = 0;
  for (const auto& req : server.requests())
    if (req["path"].get<std::string>().rfind("/repos/", 0) == 0 &&
        req["headers"].value("Authorization", "") == "Bearer " + kToken)
      ++authorised;
  EXPECT_GE(authorised, 2);
  EXPECT_TRUE(server.uploads().contains("/upload/secrets/notes.txt")) << server.uploads().dump();
  ASSERT_EQ(server.hooks().size(), 1u);
  EXPECT_THAT(server.hooks()[0]["body"].get<std::string>(), Not(HasSubstr(kToken)));

  // The step that printed it: its log and its outputs say *** instead.
  Ran log = relman({"log", "notes"}, kToken);
  EXPECT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.out, HasSubstr("building with token ***")) << log.out;
  expect_nowhere(kToken, log, "log");

  Ran st = relman({"status", "--json"}, kToken);
  ASSERT_EQ(st.exit_code, 0) << st.err;
  expect_nowhere(kToken, st, "status --json");
  Ran report = relman({"report", "--format", "md"}, kToken);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  expect_nowhere(kToken, report, "report");

  EXPECT_EQ(files_containing(state().string(), kToken), std::vector<std::string>{});
  // Nor a piece of it long enough to matter (a token cut by a line break
  // or a length limit would still leak).
  EXPECT_EQ(files_containing(state().string(), kToken.substr(4, 16)), std::vector<std::string>{});
  EXPECT_EQ(files_containing((dir / "repo").string(), kToken), std::vector<std::string>{});
  // python.org's key too: used (the stand-in refuses requests without it), kept nowhere.
  bool keyed = false;
  for (const auto& req : server.requests())
    keyed = keyed || req["headers"].value("Authorization", "") == "ApiKey " + kPydotorgKey;
  EXPECT_TRUE(keyed);
  expect_nowhere(kPydotorgKey.substr(3), r, "rehearse");
  EXPECT_EQ(files_containing(state().string(), kPydotorgKey.substr(3)), std::vector<std::string>{});
}

TEST_F(Secrets, AResumedRunStillHidesTheToken) {
  // The step that prints the token fails; fixed, it runs again in a new
  // process where no GitHub step has read the token yet.
  Ran first = relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string(),
                      "--var", "go=" + (dir / "go").string()},
                     kToken);
  ASSERT_EQ(first.exit_code, 1) << first.out << first.err;
  expect_nowhere(kToken, first, "failed rehearse");
  write_file(dir / "go", "");
  Ran second = relman({"resume"}, kToken);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  expect_nowhere(kToken, second, "resume");
  Ran log = relman({"log", "notes"}, kToken);
  expect_nowhere(kToken, log, "log");
  EXPECT_EQ(files_containing(state().string(), kToken), std::vector<std::string>{});
}

TEST_F(Secrets, ARefusedTokenFailsTheStepWithoutShowingIt) {
  const std::string wrong = "ghp_WrongT0kenThatTheServerRefuses987654321";
  Ran r = rehearse(wrong);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  expect_nowhere(wrong, r, "rehearse");
  // It says what is wrong and what to do, naming the variable, not its value.
  EXPECT_THAT(r.out, HasSubstr("FAILED green")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("401")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("GITHUB_TOKEN")) << r.out;

  Ran st = relman({"status", "--json"}, wrong);
  ASSERT_EQ(st.exit_code, 0) << st.err;
  expect_nowhere(wrong, st, "status --json");
  json status = json::parse(st.out);
  EXPECT_EQ(status["steps"][0]["state"], "failed");
  EXPECT_THAT(status["steps"][0]["error"].get<std::string>(), HasSubstr("refused")) << st.out;
  Ran log = relman({"log", "green"}, wrong);
  expect_nowhere(wrong, log, "log");
  EXPECT_EQ(files_containing(state().string(), wrong), std::vector<std::string>{});
  EXPECT_TRUE(server.uploads().empty());
  EXPECT_TRUE(server.hooks().empty());
}

// The Discourse API key, like the GitHub token: used in the Api-Key header,
// written nowhere, and a refused one is named by its variable only.
TEST(DiscourseSecrets, TheApiKeyIsUsedAndWrittenNowhereAndARefusedOneIsNotShown) {
  const std::string key = "d15c0urse-Api-Key-For-Tests-0123456789abcdef";
  relman::test::ScriptServer discourse("fake_discourse.py", json{{"api_key", key}});
  TempDir dir;
  relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
  write_file(dir / "wf.yaml", "name: t\nsteps:\n  - id: announce\n    uses: announce\n    with: {discourse: \"" +
                                  discourse.url() + "\", category: 5, api_username: release-bot}\n");
  auto run = [&](const fs::path& state, const std::string& with_key) {
    return relman::test::relman_on(
        state, {"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string()},
        dir / "repo",
        {{"DISCOURSE_API_KEY", with_key},
         {"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()},
         {"RELMAN_HTTP_ATTEMPTS", "2"},
         {"RELMAN_HTTP_RETRY_BASE_MS", "1"}});
  };
  const std::string wrong = "d15c0urse-Wrong-Key-The-Forum-Refuses-987654";
  Ran refused = run(dir / "refused", wrong);
  ASSERT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("DISCOURSE_API_KEY")) << refused.out;
  EXPECT_THAT(refused.out + refused.err, Not(HasSubstr(wrong)));
  EXPECT_EQ(files_containing((dir / "refused").string(), wrong), std::vector<std::string>{});
  EXPECT_TRUE(discourse.control("posts").empty());

  Ran r = run(dir / "state", key);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(key)));
  ASSERT_EQ(discourse.control("posts").size(), 1u);
  int with_key = 0;
  for (const auto& req : discourse.control("requests"))
    if (req["path"] == "/posts.json" && req["headers"].value("Api-Key", "") == key) ++with_key;
  EXPECT_EQ(with_key, 1);
  EXPECT_EQ(files_containing((dir / "state").string(), key), std::vector<std::string>{});
  EXPECT_EQ(files_containing((dir / "state").string(), key.substr(4, 16)), std::vector<std::string>{});
  EXPECT_EQ(files_containing((dir / "repo").string(), key), std::vector<std::string>{});
}
