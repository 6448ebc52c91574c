// A release manager's clone of an upstream that moves on: what the git.fetch,
// git.require_synced and git.delete_branch tests start from.
#pragma once

#include <filesystem>
#include <string>

#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {

// A clone "r" of a bare "upstream.git" on branch 3.12, and a second clone
// "other" that pushes a backport to upstream meanwhile.
struct UpstreamClone {
  TempDir dir;
  std::filesystem::path upstream = dir / "upstream.git";
  std::filesystem::path repo = dir / "r";
  UpstreamClone() {
    make_repo(dir / "seed", {{"a.txt", "a\n"}});
    sh_ok(
        "git -C seed branch 3.12 && git clone -q --bare seed upstream.git && "
        "git clone -q -o upstream -b 3.12 upstream.git r && git clone -q -b 3.12 upstream.git other",
        dir.path());
  }
  std::string backport() {
    sh_ok(
        "git -c user.name=B -c user.email=b@example.org commit -q --allow-empty -m 'gh-1: a backport' && "
        "git push -q origin 3.12",
        dir / "other");
    return sh_ok("git rev-parse HEAD", dir / "other").substr(0, 40);
  }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
};

}  // namespace relman::test
