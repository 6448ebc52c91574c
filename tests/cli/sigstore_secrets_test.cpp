// The Sigstore identity token is a secret like GitHub's: a whole rehearsal
// that signs against the loopback Fulcio + Rekor stand-in and verifies the
// bundles writes it nowhere in the state directory and shows it in no
// output, even when a step prints it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/http_server.h"
#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/sigstore_server.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using relman::test::files_containing;
using relman::test::SigstoreServer;

namespace {

const std::string kIssuer = "https://oauth2.sigstore.example";
const std::string kWho = "rm@python.example";

std::string workflow(const SigstoreServer& s) {
  return "name: sigstore-secrets\n"
         "steps:\n"
         "  - id: make\n"
         "    uses: exec\n"
         "    with: {argv: [sh, -c, \"echo signing with $SIGSTORE_ID_TOKEN; echo tarball > "
         "${run.artifacts}/Minipy-1.tgz\"]}\n"
         "  - id: sign\n"
         "    uses: sigstore.sign\n"
         "    needs: [make]\n"
         "    with: {files: [Minipy-1.tgz], fulcio_url: \"" +
         s.url() + "\", rekor_url: \"" + s.url() + "\", trusted_root: \"" + s.trusted_root().string() +
         "\"}\n"
         "  - id: verify\n"
         "    uses: sigstore.verify\n"
         "    needs: [sign]\n"
         "    with: {files: [Minipy-1.tgz], trusted_root: \"" +
         s.trusted_root().string() + "\", identity: " + kWho + ", issuer: \"" + kIssuer + "\"}\n";
}

}  // namespace

TEST(SigstoreSecrets, ASigningRehearsalWritesTheIdentityTokenNowhere) {
  TempDir dir;
  SigstoreServer server;
  const std::string token = relman::test::unsigned_jwt(kIssuer, kWho);
  relman::test::make_repo(dir / "repo", {{"README", "sample\n"}});
  write_file(dir / "wf.yaml", workflow(server));
  auto relman = [&](std::vector<std::string> args) {
    return relman::test::relman_on(dir / "state", std::move(args), dir / "repo",
                                   {{"SIGSTORE_ID_TOKEN", token},
                                    {"RELMAN_CREDENTIALS_FILE", (dir / "no-credentials").string()},
                                    {"RELMAN_HTTP_RETRY_BASE_MS", "1"}});
  };
  // --sigstore-real: the workflow's instance and the release manager's own
  // token (the sandbox's stand-in would make a token of its own).
  Ran r = relman({"rehearse", "3.12.0", "--repo", (dir / "repo").string(), "--workflow", (dir / "wf.yaml").string(),
                  "--sigstore-real"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(token)));
  // It really signed: one log entry, a bundle that sigstore.verify accepted.
  EXPECT_EQ(server.entries().size(), 1u);
  EXPECT_TRUE(fs::exists(dir / "state" / "artifacts" / "Minipy-1.tgz.sigstore"));

  Ran log = relman({"log", "make"});
  EXPECT_THAT(log.out, HasSubstr("signing with ***")) << log.out;
  Ran st = relman({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_THAT(st.out, Not(HasSubstr(token)));
  EXPECT_EQ(files_containing((dir / "state").string(), token), std::vector<std::string>{});
  EXPECT_EQ(files_containing((dir / "state").string(), token.substr(10, 24)), std::vector<std::string>{});
  EXPECT_EQ(files_containing((dir / "repo").string(), token), std::vector<std::string>{});
}
