// The signing steps share how they read 'files': the same refusals, word for
// word, from gpg.sign and sigstore.sign, before either touches a key or the
// network.
#include "steps/files_to_sign.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

using test::StepHarness;
using test::TempDir;

class FilesToSign : public ::testing::TestWithParam<const char*> {};

TEST_P(FilesToSign, AMissingFileNamesItAndTheWayOutBeforeAnyKeyOrServerIsAsked) {
  TempDir dir;
  StepHarness h{GetParam(), dir / "repo", dir / "state"};
  test::write_file(dir / "state" / "artifacts" / "Python-3.12.0.tgz", "tgz");
  h.with() = {{"files", {"Python-3.12.0.tgz", "Python-3.12.0.tar.xz"}}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("Python-3.12.0.tar.xz does not exist"),
                                                               HasSubstr("Fix that, then: relman resume"))));
}

TEST_P(FilesToSign, AnEmptyListIsRefused) {
  TempDir dir;
  StepHarness h{GetParam(), dir / "repo", dir / "state"};
  h.with() = {{"files", json::array()}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("'files' is empty; name the files to sign")));
}

TEST_P(FilesToSign, AFileOutsideArtifactsIsRefused) {
  TempDir dir;
  StepHarness h{GetParam(), dir / "repo", dir / "state"};
  h.with() = {{"files", {"../journal.jsonl"}}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("artifacts/")));
}

INSTANTIATE_TEST_SUITE_P(SigningSteps, FilesToSign, ::testing::Values("gpg.sign", "sigstore.sign"),
                         [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('.'));
                         });

}  // namespace
}  // namespace relman
