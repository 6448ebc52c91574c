#!/usr/bin/env bash
# The layout of every C++ file under src/ and tests/ (but tests/fixtures,
# other projects' files) is what .clang-format
# makes of it (applied once to the whole tree; kept since). Exit 1 with the
# files to reformat: `clang-format -i FILE...`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null ||
  { echo "format: clang-format is missing: scripts/setup.sh installs it" >&2; exit 2; }
# tests/fixtures holds other projects' files (CPython's patchlevel.h), kept as they are.
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' ':!tests/fixtures')
# One clang-format per 25 files, on every core; a file out of layout is
# named in its "code should be clang-formatted" lines.
mapfile -t bad < <(printf '%s\0' "${files[@]}" |
  xargs -0 -P "$(nproc)" -n 25 clang-format --dry-run -Werror 2>&1 |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
if [ ${#bad[@]} -gt 0 ]; then
  echo "format: ${#bad[@]} of ${#files[@]} files are not as .clang-format lays them out:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "format: run clang-format -i on them" >&2
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format lays them out"
