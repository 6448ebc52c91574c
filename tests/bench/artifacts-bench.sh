#!/usr/bin/env bash
# Benchmark of release artifacts (not a test: it prints figures).
# Prepares a large real source tree in a throwaway repository (/usr/include:
# the C and C++ headers of the installed -dev packages, well over 100 MB in
# over 4,000 files; a source package needs deb-src lines this machine lacks),
# tags it, makes a throwaway GnuPG key, builds and runs artifacts_bench.
#
#   tests/bench/artifacts-bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
runs=${2:-3}
bench=${RELMAN_BENCH_DIR:-/tmp/relman-bench}
tree=${RELMAN_BENCH_TREE:-/usr/include}

mkdir -p "$bench"
repo=$bench/repo
if [ ! -f "$repo/.ready" ]; then
  rm -rf "$repo"
  mkdir -p "$repo"
  git -C "$repo" init -q -b main
  cp -a "$tree/." "$repo/tree/"
  git -C "$repo" -c user.name=Bench -c user.email=bench@example.org add -A tree
  git -C "$repo" -c user.name=Bench -c user.email=bench@example.org -c commit.gpgsign=false \
    commit -q -m "Bench tree from $tree"
  git -C "$repo" -c user.name=Bench -c user.email=bench@example.org tag -a v1.0 -m v1.0
  # Packed, as in a clone: both sides read the same packfile.
  git -C "$repo" gc -q
  touch "$repo/.ready"
fi
echo "tree: $(git -C "$repo" ls-tree -r v1.0 | wc -l) entries from $tree"

export GNUPGHOME=$(mktemp -d /tmp/rm-gpg-XXXXXX)
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME"' EXIT
gpg --batch -q --passphrase '' --quick-gen-key 'Bench <bench@example.org>' ed25519 sign never 2>/dev/null
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ {print $10; exit}')

[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C "$build" -j2 artifacts_bench >/dev/null
"$build/artifacts_bench" --repo "$repo" --tag v1.0 --key "$fpr" --runs "$runs" --work "$bench/work"
