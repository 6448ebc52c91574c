#!/usr/bin/env bash
# clang-tidy (the checks of .clang-tidy) on the .cpp files changed since BASE,
# with the build's compile_commands.json; exit 1 on any finding.
#   scripts/tidy.sh [BASE]      BASE: a revision; default: where HEAD left
#                               origin/main (or main); on main itself, HEAD~1
#   scripts/tidy.sh all         every .cpp file (slow: ~15 CPU-seconds a file)
#   RELMAN_TIDY_BUILD=DIR       the build directory (default: build)
# Files changed but not yet committed count as changed. Only src/: the tests
# are held by -Werror and the sanitizers, and clang-tidy's ~15 s a file are
# spent on the code relman ships.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RELMAN_TIDY_BUILD:-build}
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is missing: scripts/setup.sh installs it" >&2; exit 2; }
[ -f "$build/compile_commands.json" ] ||
  { echo "tidy: $build/compile_commands.json is missing: configure first (cmake -S . -B $build)" >&2; exit 2; }

base=${1:-}
if [ -z "$base" ]; then
  for ref in origin/main main; do
    if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
      base=$(git merge-base HEAD "$ref")
      break
    fi
  done
  # On main (a CI clone of it): the last commit is the change.
  if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
    base=$(git rev-parse -q --verify 'HEAD~1^{commit}' || echo all)
  fi
fi

# Only files the build compiles (compile_commands.json): fuzz targets of a
# test build, not scripts' fixtures.
compiled=$(python3 -c 'import json,sys; print("\n".join(e["file"] for e in json.load(open(sys.argv[1]))))' \
  "$build/compile_commands.json")
if [ "$base" = all ]; then
  candidates=$(git ls-files 'src/*.cpp')
else
  candidates=$(git diff --name-only --diff-filter=d "$base" -- 'src/*.cpp')
fi
files=()
for f in $candidates; do
  grep -qxF "$PWD/$f" <<<"$compiled" && files+=("$f")
done
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy: no compiled .cpp file changed since $base"
  exit 0
fi
echo "tidy: ${#files[@]} file(s) changed since $base"
# g++'s -Wno-restrict (CMakeLists.txt) is unknown to clang; the findings are what counts.
if ! printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null; then
  echo "tidy: FAILED: fix the findings above (a check that is wrong here: NOLINT(check) with the reason)" >&2
  exit 1
fi
echo "tidy: OK"
