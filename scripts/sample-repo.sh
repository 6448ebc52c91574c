#!/usr/bin/env bash
# sample-repo.sh DIR [VERSION]
#
# Turns the bundled sample interpreter (tests/fixtures/interp, "Minipy") into
# a release-ready git repository, as PEP 101 expects it just before VERSION
# (default 3.14.0a1) is released:
#
#   DIR/repo          the release manager's clone, checked out on the branch
#                     the release is made from (main for alphas and the first
#                     beta, X.Y otherwise), remotes "origin" and "upstream"
#   DIR/origin.git    bare: the release manager's fork
#   DIR/upstream.git  bare: python/cpython's stand-in
#
# The constants in Include/patchlevel.h carry the development version that
# precedes VERSION: 3.14.0a0 before 3.14.0a1, 3.14.0a1+ before 3.14.0a2,
# 3.14.0rc2+ before 3.14.0, 3.11.1+ before 3.11.2. When the release is made
# from X.Y, main has already moved on to X.(Y+1).0a0 (the first beta did it).
#
# Authors, committers and dates are fixed, so the commit ids are the same on
# every machine. Prints the repository's path.
set -euo pipefail

usage() {
  echo "usage: $0 DIR [VERSION]   (VERSION like 3.14.0a1, 3.12.0b1, 3.12.0rc1, 3.11.2)" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
version=${2:-3.14.0a1}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixture="$here/../tests/fixtures/interp"
[ -f "$fixture/Include/patchlevel.h" ] || { echo "sample-repo: fixture not found at $fixture" >&2; exit 1; }

if [[ ! $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)((a|b|rc)([0-9]+))?$ ]]; then
  echo "sample-repo: '$version' is not a release version (expected e.g. 3.14.0a1, 3.12.0rc2, 3.11.2)" >&2
  exit 2
fi
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} micro=${BASH_REMATCH[3]}
level=${BASH_REMATCH[5]:-f} serial=${BASH_REMATCH[6]:-0}
xy="$major.$minor"

# The development version on the release branch just before VERSION.
if [ "$micro" -gt 0 ] && { [ "$level" = f ] || [ "$serial" -le 1 ]; }; then
  prev="$xy.$((micro - 1))+"   # bugfix release: after X.Y.(Z-1)
elif [ "$serial" -gt 1 ]; then
  prev="$xy.$micro$level$((serial - 1))+"
else
  case $level in
    a) prev="$xy.0a0" ;;       # the first alpha follows the initial dev version
    b) prev="$xy.0a7+" ;;
    rc) prev="$xy.0b4+" ;;
    f) prev="$xy.0rc2+" ;;
  esac
fi
# Alphas and the first beta are released from main; everything else from X.Y.
if [ "$level" = a ] || { [ "$level" = b ] && [ "$serial" = 1 ] && [ "$micro" = 0 ]; }; then
  release_branch=main
else
  release_branch=$xy
fi

repo="$dir/repo"
if [ -e "$repo" ] || [ -e "$dir/origin.git" ] || [ -e "$dir/upstream.git" ]; then
  echo "sample-repo: $dir already holds a sample repository; remove it or choose another directory" >&2
  exit 1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
repo="$dir/repo"

# Only this script's settings count, so the commit ids are reproducible.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Minipy Developer" GIT_AUTHOR_EMAIL="dev@minipy.example"
export GIT_COMMITTER_NAME="Minipy Developer" GIT_COMMITTER_EMAIL="dev@minipy.example"
day=0
commit() {
  day=$((day + 1))
  export GIT_AUTHOR_DATE="2026-01-$(printf %02d "$day")T12:00:00+0000"
  export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"
  git -C "$repo" add -A
  git -C "$repo" commit -q -m "$1"
}

# Writes VERSION (e.g. 3.14.0a1+) into the constants block and README.rst.
set_version() {
  local v=$1 base=${1%+}
  [[ $base =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)((a|b|rc)([0-9]+))?$ ]]
  local lv=${BASH_REMATCH[5]:-f} sr=${BASH_REMATCH[6]:-0} name words
  case $lv in
    a) name=ALPHA words=" alpha $sr" ;;
    b) name=BETA words=" beta $sr" ;;
    rc) name=GAMMA words=" release candidate $sr" ;;
    f) name=FINAL words="" ;;
  esac
  local p="$repo/Include/patchlevel.h"
  sed -i \
    -e "s/^#define PY_MAJOR_VERSION .*/$(printf '%-32s%s' '#define PY_MAJOR_VERSION' "${BASH_REMATCH[1]}")/" \
    -e "s/^#define PY_MINOR_VERSION .*/$(printf '%-32s%s' '#define PY_MINOR_VERSION' "${BASH_REMATCH[2]}")/" \
    -e "s/^#define PY_MICRO_VERSION .*/$(printf '%-32s%s' '#define PY_MICRO_VERSION' "${BASH_REMATCH[3]}")/" \
    -e "s/^#define PY_RELEASE_LEVEL .*/$(printf '%-32s%s' '#define PY_RELEASE_LEVEL' "PY_RELEASE_LEVEL_$name")/" \
    -e "s/^#define PY_RELEASE_SERIAL .*/$(printf '%-32s%s' '#define PY_RELEASE_SERIAL' "$sr")/" \
    -e "s/^#define PY_VERSION .*/$(printf '%-32s"%s"' '#define PY_VERSION' "$v")/" \
    "$p"
  # README.rst names the last release (no "+"), underlined to its length.
  local title="This is Minipy version ${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}$words"
  local rule
  rule=$(printf '%*s' "${#title}" '' | tr ' ' '=')
  { printf '%s\n%s\n' "$title" "$rule"; tail -n +3 "$repo/README.rst"; } > "$repo/README.rst.new"
  mv "$repo/README.rst.new" "$repo/README.rst"
}

git init -q -b main "$repo"
git -C "$repo" config user.name "Release Manager"
git -C "$repo" config user.email "rm@minipy.example"
git -C "$repo" config commit.gpgsign false
git -C "$repo" config tag.gpgsign false
cp -R "$fixture/." "$repo/"
rm -f "$repo/Makefile" "$repo/python" "$repo"/Python/*.o   # in case the fixture was built in place

# History: an initial import, the previous release if there was one, then
# two changes with news entries for this release to merge.
later="$dir/.later"
rm -rf "$later"
mkdir -p "$later"
mv "$repo/Lib/mathconst.mp" "$repo/Lib/test/test_arith.mp" \
   "$repo"/Misc/NEWS.d/next/Library/2026-*.rst "$later/"
mv "$repo/Lib/this.mp" "$later/"
mkdir -p "$later/core"
mv "$repo"/Misc/NEWS.d/next/Core_and_Builtins/2026-*.rst "$later/core/"
set_version "$xy.0a0"
commit "Initial import of the Minipy interpreter"

if [[ $prev == *+ ]]; then
  set_version "${prev%+}"
  commit "Python ${prev%+}"
  git -C "$repo" tag -a "v${prev%+}" -m "Python ${prev%+}"
  set_version "$prev"
  commit "Post ${prev%+}"
fi

mv "$later/mathconst.mp" "$repo/Lib/"
mv "$later/test_arith.mp" "$repo/Lib/test/"
mv "$later"/2026-*.rst "$repo/Misc/NEWS.d/next/Library/"
commit "gh-1: Add the mathconst module"

mv "$later/this.mp" "$repo/Lib/"
mv "$later"/core/2026-*.rst "$repo/Misc/NEWS.d/next/Core_and_Builtins/"
commit "gh-2: Run Lib/MODULE.mp with python -m MODULE"
rm -rf "$later"

if [ "$release_branch" != main ]; then
  git -C "$repo" branch "$xy"
  set_version "$major.$((minor + 1)).0a0"
  commit "Bump main to $major.$((minor + 1)).0a0"
  git -C "$repo" checkout -q "$xy"
fi

for remote in origin upstream; do
  git init -q --bare -b main "$dir/$remote.git"
  git -C "$repo" remote add "$remote" "$dir/$remote.git"
  git -C "$repo" push -q "$remote" --all
  git -C "$repo" push -q "$remote" --tags
done
git -C "$repo" branch -q --set-upstream-to="origin/$release_branch"

echo "$repo"
