// Property: whatever a secret looks like (quotes, backslashes, unicode, JSON
// keywords, digits, JSON text itself), a whole run of the real binary that
// prints it raw, JSON-escaped and URL-encoded, and fails with it in the
// error, writes it in no encoding to the state directory, the logs or the
// output, and its journal always loads. Seeded: RELMAN_TEST_SEED=N repeats
// a run, RELMAN_TEST_SECRETS=N tries more secrets.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include <nlohmann/json.hpp>

#include "support/http_server.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using relman::test::files_containing;

namespace {

const char* kWorkflow = R"(name: masking
steps:
  - id: raw
    uses: exec
    with: {argv: [sh, -c, 'printf "token=%s\n" "$GITHUB_TOKEN"; printf "%s" "$GITHUB_TOKEN"']}
  - id: encoded
    uses: exec
    with:
      argv:
        - python3
        - -c
        - |
          import json, os, urllib.parse as u
          s = os.environ["GITHUB_TOKEN"]
          print(json.dumps(s))
          print(json.dumps(s, ensure_ascii=False))
          print(json.dumps({"token": s, "event": s}))
          print(u.quote(s, safe=""))
          print(u.quote_plus(s))
          print("".join(c if c.isascii() and (c.isalnum() or c in "-_.~") else "".join("%%%02x" % b for b in c.encode()) for c in s))
          print("https://example.invalid/?t=" + u.quote(s, safe=""))
  - id: fails
    uses: exec
    with: {argv: [sh, -c, 'printf "cannot log in with %s\n" "$GITHUB_TOKEN" >&2; exit 3']}
)";

// The encodings a reader could find the secret in, computed here
// independently of relman's Redactor.
std::string percent(const std::string& s, bool lower, bool plus) {
  std::string out;
  for (unsigned char c : s) {
    if ((c < 0x80 && std::isalnum(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus) {
      out += '+';
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, lower ? "%%%02x" : "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::vector<std::string> encodings(const std::string& s) {
  auto inner = [](const std::string& q) { return q.substr(1, q.size() - 2); };
  return {s,
          inner(json(s).dump(-1, ' ', false)),
          inner(json(s).dump(-1, ' ', true)),
          percent(s, false, false),
          percent(s, true, false),
          percent(s, false, true)};
}

std::string random_secret(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"\"",
                                                  "\\",
                                                  "'",
                                                  "\\\"",
                                                  "\xc3\xa9",
                                                  "\xe6\xbc\xa2",
                                                  "\xf0\x9f\x98\x80",
                                                  "true",
                                                  "null",
                                                  "false",
                                                  "event",
                                                  "1796",
                                                  "0",
                                                  "42",
                                                  "step_started",
                                                  "t_ms",
                                                  "{",
                                                  "}",
                                                  ":",
                                                  ",",
                                                  "[",
                                                  "]",
                                                  "%",
                                                  "%25",
                                                  "+",
                                                  "&",
                                                  "=",
                                                  " ",
                                                  "/",
                                                  "$",
                                                  "*",
                                                  "***",
                                                  "\\u0041",
                                                  "a",
                                                  "Z",
                                                  "q9",
                                                  "\t",
                                                  "<",
                                                  ">",
                                                  "#",
                                                  "~"};
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(3, 10);
  std::string s;
  // A random tail keeps it from being part of the workflow's own text.
  std::uniform_int_distribution<int> digit(0, 35);
  int n = count(rng);
  for (int i = 0; i < n || s.size() < 8; ++i) s += pieces[pick(rng)];
  for (int i = 0; i < 3; ++i) s += "abcdefghijklmnopqrstuvwxyz0123456789"[digit(rng)];
  return s;
}

class SecretsProperty : public ::testing::Test {
 protected:
  SecretsProperty() {
    relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
    write_file(dir / "wf.yaml", kWorkflow);
  }
  Ran relman(std::vector<std::string> args, const fs::path& state, const std::string& secret) {
    return relman::test::relman_on(state, std::move(args), dir / "repo",
                                   {{"GITHUB_TOKEN", secret}, {"RELMAN_CREDENTIALS_FILE", (dir / "none").string()}});
  }
  TempDir dir;
};

}  // namespace

TEST_F(SecretsProperty, NoSecretShowsInAnyEncodingAndTheJournalAlwaysLoads) {
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("RELMAN_TEST_SEED")) seed = static_cast<unsigned>(std::stoul(s));
  int random_count = 8;
  if (const char* n = std::getenv("RELMAN_TEST_SECRETS")) random_count = std::stoi(n);
  std::printf("secrets property: seed %u (RELMAN_TEST_SEED=%u repeats it)\n", seed, seed);
  std::mt19937 rng(seed);
  std::vector<std::string> secrets = {
      "{\"event\":\"step_started\"}",              // JSON text with keys the fold reads
      "\"t_ms\":1796,\"seq\":",                    // a number's key and a number
      "true\" null \\false",                       // keywords, a quote, a backslash
      "17961796179617",                            // digits only: a t_ms in the making
      "p\xc3\xa4ss w\xc3\xb6rd \xf0\x9f\x94\x91",  // unicode and spaces
      "%22%5C%2F+%20",                             // already URL-encoded text
  };
  for (int i = 0; i < random_count; ++i) secrets.push_back(random_secret(rng));

  int n = 0;
  for (const auto& secret : secrets) {
    SCOPED_TRACE("secret #" + std::to_string(n) + ": " + json(secret).dump() + " (seed " + std::to_string(seed) + ")");
    fs::path state = dir / ("state" + std::to_string(n++));
    Ran run = relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string(),
                      "--ci", "--jobs", "1"},
                     state, secret);
    // The steps ran: two printed the secret, the third failed with it.
    ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("FAILED fails")) << run.err;
    EXPECT_THAT(run.err, HasSubstr("cannot log in with ***")) << run.err;

    Ran status = relman({"status", "--json"}, state, secret);
    ASSERT_EQ(status.exit_code, 0) << status.err;
    json st = json::parse(status.out);
    EXPECT_EQ(st["steps"][0]["state"], "succeeded");
    EXPECT_EQ(st["steps"][2]["state"], "failed");
    Ran log = relman({"log", "encoded"}, state, secret);
    EXPECT_EQ(log.exit_code, 0) << log.err;
    EXPECT_THAT(log.out, HasSubstr("***")) << log.out;
    Ran verify = relman({"verify"}, state, secret);
    EXPECT_THAT(verify.out, HasSubstr("sound")) << verify.out << verify.err;
    // Every --ci line is an event: the printed journal parses.
    size_t lines = 0;
    for (size_t pos = 0, nl; (nl = run.out.find('\n', pos)) != std::string::npos; pos = nl + 1, ++lines)
      EXPECT_TRUE(json::accept(run.out.substr(pos, nl - pos))) << run.out.substr(pos, nl - pos);
    EXPECT_GE(lines, 6u);

    for (const auto& enc : encodings(secret)) {
      EXPECT_EQ(files_containing(state.string(), enc), std::vector<std::string>{}) << "encoding " << enc;
      for (const Ran* r : {&run, &status, &log, &verify}) {
        EXPECT_THAT(r->out, Not(HasSubstr(enc))) << "encoding " << enc << " in " << r->out;
        EXPECT_THAT(r->err, Not(HasSubstr(enc))) << "encoding " << enc << " in " << r->err;
      }
    }
  }
}

TEST_F(SecretsProperty, SecretsTooShortOrWithALineBreakAreRefusedByName) {
  int n = 0;
  for (const std::string secret : {"event", "1796", "true", "abc\ndefghij"}) {
    SCOPED_TRACE(json(secret).dump());
    fs::path state = dir / ("refused-" + std::to_string(n++));
    Ran run =
        relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string()},
               state, secret);
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr("the secret in GITHUB_TOKEN")) << run.err;
    EXPECT_THAT(run.err, HasSubstr(secret.size() < 8 ? "shorter than 8 characters" : "line break")) << run.err;
    // Nothing ran, and the run is there to resume once the secret is fixed.
    EXPECT_FALSE(fs::exists(state / "logs" / "raw.log"));
    Ran status = relman({"status"}, state, secret);
    EXPECT_EQ(status.exit_code, 0) << status.err;
  }
}

TEST_F(SecretsProperty, ASecretThatIsPartOfTheWorkflowIsRefused) {
  // Step ids are journalled as they are: a "secret" the workflow spells out
  // cannot be hidden, and masking it would change what the events mean.
  Ran run = relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string()},
                   dir / "state", "step_succeeded");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("the secret in GITHUB_TOKEN also appears in the word 'step_succeeded'")) << run.err;
  run = relman({"resume"}, dir / "state", "print(json.dumps(s))");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("also appears in the workflow")) << run.err;
}
