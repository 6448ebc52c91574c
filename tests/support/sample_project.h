// The bundled sample interpreter (tests/fixtures/interp, "Minipy") as a
// release-ready repository with bare "origin" and "upstream" remotes, made
// by scripts/sample-repo.sh exactly as the demo makes it.
#pragma once

#include <filesystem>
#include <string>

namespace relman::test {

struct SampleProject {
  std::filesystem::path repo;      // <dir>/repo, on the branch the release is made from
  std::filesystem::path origin;    // <dir>/origin.git, the release manager's fork
  std::filesystem::path upstream;  // <dir>/upstream.git
};

// Runs scripts/sample-repo.sh into `dir` (usually a TempDir path) for the
// release of `version` (3.14.0a1, 3.12.0b1, 3.12.0, ...). Throws with the
// script's output when it fails.
SampleProject make_sample_project(const std::filesystem::path& dir, const std::string& version = "3.14.0a1");

// tests/fixtures/interp in the source tree.
std::filesystem::path sample_fixture_dir();

}  // namespace relman::test
