#!/usr/bin/env bash
# Benchmark on a real CPython tree (not a test: it prints figures).
#
# Once, into a cache directory, it fetches CPython's official 3.11.2 source
# (Debian bookworm's python3.11_3.11.2.orig.tar.gz, byte-identical to
# python.org's Python-3.11.2.tgz; checked by sha256) and makes a git
# repository of it as PEP 101 expects it just before 3.11.3: branch 3.11,
# the 3.11.2 tree tagged v3.11.2, then "Post 3.11.2" (Include/patchlevel.h at
# 3.11.2+), two news entries in Misc/NEWS.d/next, bare remotes origin.git
# and upstream.git. Then, each side measured in the same run, interleaved,
# median of N rounds:
#
#   artifacts  relman's export + checksums + signatures (artifacts_bench)
#              vs git archive, gzip -9n, xz -6, sha256sum, gpg -ab one after
#              the other, on the tag v3.11.2; ratio; peak RSS
#   cold       `relman rehearse 3.11.3` of workflows/pep101.yaml (network
#              steps skipped) with an empty ccache and an empty configure
#              cache vs the same by hand:
#              git archive | gzip -9n, unpack, ./configure && make -j2, the
#              smoke step's commands; no ccache; ratio. Two ratios: by hand
#              without and with git archive | xz -6 -T1 (the rehearsal makes
#              the .tar.xz too; on 2 cores its xz runs beside configure)
#   warm       the same rehearsal again in a new state directory, ccache and
#              configure cache kept from the cold one (a release manager's
#              second try); ccache's hit rate, the configure cache's answer
#              (hit: configure's outputs restored, configure not run)
#
# Every figure is printed with /proc/loadavg at the time (the machines are
# shared). Run it under `nice -n 19` on a machine others use.
#
#   tests/bench/cpython-bench.sh [--rounds N] [--only artifacts|cold|warm|rehearsals] [--build DIR] [--with-docs]
#
# Environment: RELMAN_BENCH_DIR, the cache and work directory (default
# /var/tmp/relman-cpython-bench). Fetching the source needs apt-get and, when
# no deb-src entry exists, root (it adds
# /etc/apt/sources.list.d/relman-bench-src.list); or put Python-3.11.2.tgz
# (python.org's) in $RELMAN_BENCH_DIR/src/ beforehand.
set -euo pipefail
export LC_NUMERIC=C   # decimal points in the figures

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)

usage() {
  cat <<EOF
usage: $0 [--rounds N] [--only artifacts|cold|warm|rehearsals] [--build DIR] [--with-docs] [--help]

Benchmarks relman on CPython 3.11.2's real source tree, each side measured
in the same run and interleaved; prints medians of N rounds with the load.

  --rounds N     rounds per comparison (default 3); the median is reported
  --only WHAT    artifacts (export + checksums + signatures vs the shell
                 pipeline), cold (a cold rehearsal of pep101 vs configure &&
                 make by hand), warm (a second rehearsal, ccache and
                 configure cache kept) or rehearsals (cold and warm);
                 default: all three
  --build DIR    relman's CMake build directory (default $src/build-bench,
                 configured as Release when new); relman and artifacts_bench
                 are built there when missing or out of date
  --with-docs    rehearse with pep101's docs steps too (Sphinx from Doc/venv or
                 PATH); by default they are skipped, as the network steps are
  --help         this text

Cache and work directory: \${RELMAN_BENCH_DIR:-/var/tmp/relman-cpython-bench}
(the source tarball and the repository are made once and kept). A round
builds CPython three times: about 20 minutes on 2 busy cores (artifacts 2,
cold rehearsal 6, by hand 6, warm rehearsal 5).
EOF
}

die() { echo "cpython-bench: $*" >&2; exit 1; }

rounds=3 only=all build=$src/build-bench with_docs=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) [ $# -ge 2 ] || die "--rounds needs a number"; rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    --only) [ $# -ge 2 ] || die "--only needs artifacts, cold, warm or rehearsals"; only=$2; shift 2 ;;
    --only=*) only=${1#*=}; shift ;;
    --build) [ $# -ge 2 ] || die "--build needs a directory"; build=$2; shift 2 ;;
    --build=*) build=${1#*=}; shift ;;
    --with-docs) with_docs=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "cpython-bench: --rounds takes a positive number, not '$rounds'" >&2; exit 2; }
case $only in all|artifacts|cold|warm|rehearsals) ;; *) echo "cpython-bench: --only takes artifacts, cold, warm or rehearsals, not '$only'" >&2; exit 2 ;; esac
build=$(mkdir -p "$build" && cd "$build" && pwd)

bench=${RELMAN_BENCH_DIR:-/var/tmp/relman-cpython-bench}
mkdir -p "$bench"
bench=$(cd "$bench" && pwd)

readonly VERSION=3.11.2 NEXT=3.11.3 BRANCH=3.11
readonly ORIG=python3.11_3.11.2.orig.tar.gz
readonly SHA256=2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
# pep101's steps that the rehearsals here skip (those the workflow has):
#   check-blockers, check-ci  read api.github.com
#   pydoc-topics              `make -C Doc venv` pip-installs Sphinx from PyPI
#   regen-configure           `docker run --pull=always quay.io/tiran/cpython_autoconf`
# and, unless --with-docs, the docs: not in the by-hand path compared with
# (configure, make, smoke tests), and a Sphinx build of CPython's docs takes
# longer than the interpreter's; the steps publishing them go with them (with
# docs-build skipped, `docs` fails: "parameter 'archive' is required").
readonly NETWORK_STEPS="check-blockers check-ci pydoc-topics regen-configure"
readonly DOCS_STEPS="docs-build check-docs docs upload-docs place-docs"

# -- Tools ----------------------------------------------------------------------
need() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  die "missing tool(s): ${missing[*]} (on Debian: apt-get install $(for t in "${missing[@]}"; do
    case $t in sha256sum|nproc) echo coreutils ;; gpg|gpgconf) echo gnupg ;; xz) echo xz-utils ;; cc|gcc) echo gcc ;;
      *) echo "$t" ;; esac; done | sort -u | tr '\n' ' '))"
}
need git gzip xz tar sha256sum gpg gpgconf awk make cmake gcc nproc
[ "$only" = artifacts ] || need ccache jq

load() { cut -d' ' -f1-3 /proc/loadavg; }
linebuf=
if command -v stdbuf >/dev/null 2>&1; then linebuf="stdbuf -oL"; fi
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
mmss() { awk -v s="$1" 'BEGIN {printf "%dm%04.1fs", int(s / 60), s - 60 * int(s / 60)}'; }

# -- The source, once -----------------------------------------------------------
fetch_source() {
  local dir=$bench/src tgz
  mkdir -p "$dir"
  for tgz in "$dir/$ORIG" "$dir/Python-$VERSION.tgz"; do
    if [ -f "$tgz" ] && echo "$SHA256  $tgz" | sha256sum -c --status; then
      echo "$tgz"
      return
    fi
  done
  need apt-get
  if ! grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    [ "$(id -u)" = 0 ] || die "no deb-src entry in /etc/apt: as root, add one (e.g. 'deb-src http://deb.debian.org/debian bookworm main') and run apt-get update, or put python.org's Python-$VERSION.tgz in $dir/"
    # With the Signed-By of debian.sources: apt refuses two values for one source.
    local list=/etc/apt/sources.list.d/relman-bench-src.list opts=
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && opts='[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] '
    echo "cpython-bench: adding $list (deb-src bookworm main) and running apt-get update" >&2
    echo "deb-src ${opts}http://deb.debian.org/debian bookworm main" > "$list"
    # A list apt cannot read would break apt for everyone: take it back then.
    apt-get update -qq >&2 || { rm -f "$list"; apt-get update -qq >/dev/null 2>&1 || true; die "apt-get update failed with $list (removed again)"; }
  fi
  echo "cpython-bench: apt-get source --download-only python3.11 into $dir" >&2
  (cd "$dir" && apt-get source -qq --download-only python3.11 >&2) ||
    die "apt-get source --download-only python3.11 failed (a deb-src entry and apt-get update are needed)"
  [ -f "$dir/$ORIG" ] || die "apt-get source did not leave $ORIG in $dir (is this Debian bookworm?)"
  echo "$SHA256  $dir/$ORIG" | sha256sum -c --status ||
    die "$dir/$ORIG has sha256 $(sha256sum "$dir/$ORIG" | cut -d' ' -f1), not python.org's Python-$VERSION.tgz ($SHA256)"
  echo "$dir/$ORIG"
}

# The release manager's clone just before 3.11.3, with fixed authors and
# dates so that the commit ids are the same on every machine.
make_repo() {
  local tgz=$1 top=$bench/cpython repo=$bench/cpython/repo
  if [ -f "$top/.ready" ]; then return; fi
  echo "cpython-bench: making the repository in $top (once)" >&2
  rm -rf "$top"
  mkdir -p "$repo"
  (
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
    export GIT_AUTHOR_NAME="CPython Developer" GIT_AUTHOR_EMAIL="dev@cpython.example"
    export GIT_COMMITTER_NAME="CPython Developer" GIT_COMMITTER_EMAIL="dev@cpython.example"
    git init -q -b "$BRANCH" "$repo"
    git -C "$repo" config user.name "Release Manager"
    git -C "$repo" config user.email "rm@cpython.example"
    git -C "$repo" config commit.gpgsign false
    git -C "$repo" config tag.gpgsign false
    tar -xzf "$tgz" -C "$repo" --strip-components=1 --no-same-owner
    grep -q "^#define PY_VERSION.*\"$VERSION\"" "$repo/Include/patchlevel.h" || die "$tgz is not Python $VERSION"
    export GIT_AUTHOR_DATE="2023-02-07T12:00:00+0000" GIT_COMMITTER_DATE="2023-02-07T12:00:00+0000"
    git -C "$repo" add -A
    git -C "$repo" commit -q -m "Python $VERSION"
    git -C "$repo" tag -a "v$VERSION" -m "Python $VERSION"
    # The post-release bump, as CPython makes it: only PY_VERSION gains a "+";
    # README.rst keeps naming the last release ("This is Python version 3.11.2").
    sed -i "s/^\(#define PY_VERSION[[:space:]]*\)\"$VERSION\"/\1\"$VERSION+\"/" "$repo/Include/patchlevel.h"
    grep -q "^#define PY_VERSION.*\"$VERSION+\"" "$repo/Include/patchlevel.h" || die "could not set PY_VERSION to $VERSION+"
    export GIT_AUTHOR_DATE="2023-02-08T12:00:00+0000" GIT_COMMITTER_DATE="2023-02-08T12:00:00+0000"
    git -C "$repo" commit -q -am "Post $VERSION"
    # Two fixes with news entries for 3.11.3 (its real changelog's words) for
    # the news steps to merge: the tarball carries Misc/NEWS but no
    # Misc/NEWS.d, which the release's git tree has.
    local next=$repo/Misc/NEWS.d/next
    mkdir -p "$next/Core_and_Builtins" "$next/Library"
    printf '%s\n' "Do not memoize incorrectly automatically generated loop rules in the parser." \
      "Patch by Pablo Galindo." > "$next/Core_and_Builtins/2023-03-06-10-02-22.gh-issue-102416.dz6K5f.rst"
    printf '%s\n' "Fix a bug where :mod:\`fractions\` would raise :exc:\`ValueError\` on some" \
      "inputs to ``Fraction.__format__``." > "$next/Library/2023-02-21-11-56-16.gh-issue-102103.Dz0_2d.rst"
    export GIT_AUTHOR_DATE="2023-03-06T12:00:00+0000" GIT_COMMITTER_DATE="2023-03-06T12:00:00+0000"
    git -C "$repo" add -A
    git -C "$repo" commit -q -m "gh-102416, gh-102103: fixes for $NEXT (news entries)"
    for remote in origin upstream; do
      git init -q --bare -b "$BRANCH" "$top/$remote.git"
      git -C "$repo" remote add "$remote" "$top/$remote.git"
      git -C "$repo" push -q "$remote" "$BRANCH" --tags
    done
    git -C "$repo" fetch -q --all
    git -C "$repo" branch -q --set-upstream-to="origin/$BRANCH"
    # Packed, as in a clone: every side reads the same packfile.
    git -C "$repo" gc -q
  )
  touch "$top/.ready"
}

# -- relman ---------------------------------------------------------------------
build_relman() {
  if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "cpython-bench: configuring $build (Release)" >&2
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake could not configure $build"
  fi
  echo "cpython-bench: building relman and artifacts_bench in $build" >&2
  cmake --build "$build" -j"$(nproc)" --target relman artifacts_bench >"$bench/build.log" 2>&1 ||
    die "building relman and artifacts_bench in $build failed: see $bench/build.log"
  relman=$build/relman
  [ -x "$relman" ] || die "no relman binary in $build"
}

# -- The comparisons ------------------------------------------------------------
# Annotates each figure line artifacts_bench prints with the load when printed.
with_load() {
  local line
  while IFS= read -r line; do
    case $line in
      run*|median*|peak*) printf '%s   [load %s]\n' "$line" "$(load)" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}

bench_artifacts() {
  echo
  echo "== artifacts: relman export + checksums + signatures vs git archive, gzip -9n, xz -6, sha256sum, gpg -ab (tag v$VERSION)"
  echo "   load at start: $(load)"
  local fpr
  fpr=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
  # Line-buffered, so that each line is stamped with the load when it is printed.
  $linebuf "$build/artifacts_bench" --repo "$repo" --tag "v$VERSION" --key "$fpr" --runs "$rounds" --work "$runs/artifacts" 2>&1 |
    with_load
  [ "${PIPESTATUS[0]}" = 0 ] || die "artifacts_bench failed"
}

# One rehearsal of pep101 in a new state directory; prints its wall seconds.
# Its compiler cache is CCACHE_DIR=$2, its configure cache (build.make's)
# under XDG_CACHE_HOME=$3.
rehearse() {
  local state=$1 ccache_dir=$2 xdg=$3 t0 t1 rc=0
  rm -rf "$state"
  t0=$(now)
  CCACHE_DIR=$ccache_dir XDG_CACHE_HOME=$xdg "$relman" rehearse "$NEXT" --repo "$repo" --workflow "$workflow" \
    --skip "$SKIP" --auto-approve --state-dir "$state" </dev/null >"$state.log" 2>&1 || rc=$?
  t1=$(now)
  if [ $rc != 0 ]; then
    echo "cpython-bench: the rehearsal in $state failed (exit $rc); its output: $state.log; last lines:" >&2
    tail -n 25 "$state.log" >&2
    return 1
  fi
  # Its throwaway keyring, which relman keeps for a resume: these are never resumed.
  local home
  home=$(grep -o '"gnupghome":"/tmp/relman-gpg-[A-Za-z0-9]*"' "$state/journal.jsonl" 2>/dev/null | head -n 1 | cut -d'"' -f4 || true)
  if [ -n "$home" ] && [ -d "$home" ]; then
    GNUPGHOME=$home gpgconf --kill all >/dev/null 2>&1 || true
    rm -rf "$home"
  fi
  secs "$t0" "$t1"
}

# The same by hand: export, build from the tarball, pep101's smoke commands.
# No ccache. The .tar.xz the rehearsal also makes is made here too, after the
# .tgz, as the artifacts pipeline makes it (xz -6 -T1); timed on its own, so
# one run gives both sides: without it (the .tgz alone, what the build
# needs) and with it (the same two tarballs as the rehearsal).
# Prints "SECONDS-WITHOUT-XZ SECONDS-WITH-XZ"; the phases go to $dir.times.
by_hand() {
  local dir=$1 t0 t1 tx t2 t3 t4 t5 p=Python-$NEXT
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    cd "$dir"
    export CCACHE_DISABLE=1
    t0=$(now)
    git -C "$repo" archive --prefix="$p/" "$BRANCH" | gzip -9 -n > "$p.tgz"
    tx=$(now)
    git -C "$repo" archive --prefix="$p/" "$BRANCH" | xz -6 -T1 > "$p.tar.xz"
    t1=$(now)
    tar -xzf "$p.tgz"
    cd "$p"
    t2=$(now)
    ./configure >"$dir/build.log" 2>&1 || { echo "cpython-bench: ./configure by hand failed: $dir/build.log" >&2; exit 1; }
    t3=$(now)
    make -j2 >>"$dir/build.log" 2>&1 || { echo "cpython-bench: make -j2 by hand failed: $dir/build.log" >&2; exit 1; }
    t4=$(now)
    {
      ./python -V
      ./python -c 'import sys; print(sys.version)'
      ./python -m test test_grammar test_os test_sys
    } >"$dir/smoke.log" 2>&1 || { echo "cpython-bench: the smoke tests by hand failed: $dir/smoke.log" >&2; exit 1; }
    t5=$(now)
    echo "export $(secs "$t0" "$tx") s, xz $(secs "$tx" "$t1") s, unpack $(secs "$t1" "$t2") s, configure $(secs "$t2" "$t3") s, make $(secs "$t3" "$t4") s, smoke $(secs "$t4" "$t5") s" > "$dir.times"
    awk -v all="$(secs "$t0" "$t5")" -v xz="$(secs "$tx" "$t1")" 'BEGIN {printf "%.1f %.1f\n", all - xz, all}'
  )
}

hit_rate() {
  CCACHE_DIR=$1 ccache --print-stats 2>/dev/null | awk '
    $1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" {h += $2}
    $1 == "cache_miss" {m += $2}
    END {if (h + m) printf "%.1f%% (%d hits, %d misses)", 100 * h / (h + m), h, m; else print "n/a (no cacheable calls)"}'
}

# A rehearsal's longest steps, from its journal (relman status --json), and
# the build's configure and make, from its progress lines (every 5 s when
# piped, so to 5 s).
step_times() {
  local state=$1 conf mk
  "$relman" status --json --state-dir "$state" 2>/dev/null | jq -r '[.steps[] | select(.id | IN("export", "export-xz", "build", "smoke"))
    | "\(.id) \((.duration_ms // 0) / 100 | round / 10) s"
      + (if .id == "build" and .outputs.configure_cache then " (configure cache \(.outputs.configure_cache))" else "" end)]
    | join(", ")' | tr -d '\n' || true
  conf=$(grep -oE 'build: ./configure( -C)? \([0-9]+s\)' "$state.log" | tail -n 1 | sed 's/.*(\([0-9]*\)s)/\1/' || true)
  mk=$(grep -oE 'build: make -j[0-9]+[^(]* \([0-9]+s\)' "$state.log" | tail -n 1 | sed 's/.*(\([0-9]*\)s)/\1/' || true)
  # On a configure cache hit configure does not run: its outputs are restored.
  if [ -n "$conf" ] || [ -n "$mk" ]; then
    if [ -n "$conf" ]; then conf="~$conf s"; else conf=skipped; fi
    printf ' (configure %s, make ~%s s)' "$conf" "${mk:-?}"
  fi
}

bench_rehearsals() {
  local i cold hand hand_xz warm ld colds=() hands=() hands_xz=() warms=() cache xdg
  # One side of round $i each, into bench_rehearsals' locals.
  cold_round() {
    ld=$(load); cold=$(rehearse "$runs/cold-$i" "$cache" "$xdg") || die "cold rehearsal $i failed"
    printf 'round %d: cold rehearsal %7.1f s (%s)   [load %s at start, %s at end]\n' "$i" "$cold" "$(step_times "$runs/cold-$i")" "$ld" "$(load)"
  }
  hand_round() {
    ld=$(load); read -r hand hand_xz < <(by_hand "$runs/hand-$i") && [ -n "$hand_xz" ] || die "by-hand build $i failed"
    printf 'round %d: by hand        %7.1f s, %.1f s with the .tar.xz (%s)   [load %s at start, %s at end]\n' "$i" "$hand" "$hand_xz" "$(cat "$runs/hand-$i.times")" "$ld" "$(load)"
  }
  local do_cold=0 do_warm=0
  case $only in all|rehearsals) do_cold=1 do_warm=1 ;; cold) do_cold=1 ;; warm) do_warm=1 ;; esac
  echo
  echo "== rehearsals of workflows/pep101.yaml, relman rehearse $NEXT (skipped: $SKIP), $(nproc) cores"
  if [ $do_warm = 1 ] && [ $do_cold = 0 ]; then
    cache=$runs/ccache-prime xdg=$runs/xdg-prime
    echo "   priming ccache and the configure cache with one cold rehearsal (not reported), load $(load)"
    rehearse "$runs/prime" "$cache" "$xdg" >/dev/null || die "the priming rehearsal failed"
  fi
  for ((i = 1; i <= rounds; i++)); do
    if [ $do_cold = 1 ]; then
      cache=$runs/ccache-$i xdg=$runs/xdg-$i
      rm -rf "$cache" "$xdg"
      mkdir -p "$cache" "$xdg"
      # Alternate the order so that a drift in load hits both sides.
      if ((i % 2)); then
        cold_round; hand_round
      else
        hand_round; cold_round
      fi
      colds+=("$cold") hands+=("$hand") hands_xz+=("$hand_xz")
    fi
    if [ $do_warm = 1 ]; then
      CCACHE_DIR=$cache ccache -z >/dev/null
      ld=$(load); warm=$(rehearse "$runs/warm-$i" "$cache" "$xdg") || die "warm rehearsal $i failed"
      printf 'round %d: warm rehearsal %7.1f s (%s), ccache hits %s   [load %s at start, %s at end]\n' "$i" "$warm" \
        "$(step_times "$runs/warm-$i")" "$(hit_rate "$cache")" "$ld" "$(load)"
      warms+=("$warm")
    fi
  done
  echo
  if [ $do_cold = 1 ]; then
    cold=$(median "${colds[@]}") hand=$(median "${hands[@]}") hand_xz=$(median "${hands_xz[@]}")
    printf 'median cold rehearsal %s (%.1f s) vs by hand %s (%.1f s, the .tgz alone): ratio %s (goal <= 1.05)   [load %s]\n' \
      "$(mmss "$cold")" "$cold" "$(mmss "$hand")" "$hand" "$(ratio "$cold" "$hand")" "$(load)"
    printf 'median cold rehearsal %s (%.1f s) vs by hand %s (%.1f s, also the .tar.xz, as the rehearsal): ratio %s\n' \
      "$(mmss "$cold")" "$cold" "$(mmss "$hand_xz")" "$hand_xz" "$(ratio "$cold" "$hand_xz")"
  fi
  if [ $do_warm = 1 ]; then
    warm=$(median "${warms[@]}")
    printf 'median warm rehearsal %s (%.1f s) (goal <= 60 s), ccache of the last round: %s   [load %s]\n' \
      "$(mmss "$warm")" "$warm" "$(hit_rate "$cache")" "$(load)"
    CCACHE_DIR=$cache ccache -s | sed 's/^/   ccache -s: /'
  fi
}

# -- Main -----------------------------------------------------------------------
tgz=$(fetch_source)
make_repo "$tgz"
repo=$bench/cpython/repo
build_relman
workflow=$src/workflows/pep101.yaml
[ -f "$workflow" ] || die "no workflow at $workflow"
skip=()
for id in $NETWORK_STEPS $([ "$with_docs" = 1 ] || echo "$DOCS_STEPS"); do
  # Only the steps this workflow has: --skip refuses an unknown id.
  if grep -qE "^[[:space:]]*- id: ${id}[[:space:]]*\$" "$workflow"; then skip+=("$id"); fi
done
SKIP=$(IFS=,; echo "${skip[*]}")
runs=$bench/runs
rm -rf "$runs"
mkdir -p "$runs"

# A throwaway keyring with a short path (gpg-agent's socket path is limited).
GNUPGHOME=$(mktemp -d /tmp/cpb-gpg-XXXXXX)
export GNUPGHOME
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME"' EXIT
gpg --batch -q --passphrase '' --quick-gen-key 'Bench <bench@example.org>' ed25519 sign never 2>/dev/null ||
  die "gpg could not make a throwaway key in $GNUPGHOME"

echo "cpython-bench: CPython $VERSION from $tgz"
echo "repository: $repo ($(git -C "$repo" ls-tree -r "v$VERSION" | wc -l) files at v$VERSION), relman: $relman"
echo "relman source: $src at $(git -C "$src" describe --always --dirty 2>/dev/null || echo '?'), $(grep -m1 '^CMAKE_BUILD_TYPE' "$build/CMakeCache.txt" 2>/dev/null || echo 'build type ?')"
echo "cores: $(nproc), rounds: $rounds, load: $(load), $(date -u '+%Y-%m-%d %H:%M UTC')"

case $only in all|artifacts) bench_artifacts ;; esac
case $only in all|cold|warm|rehearsals) bench_rehearsals ;; esac
echo
echo "state, logs and build trees of the last run: $runs"
