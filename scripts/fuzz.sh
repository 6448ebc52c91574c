#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# build-fuzz/ and runs each for a bounded time, seeded from tests/fixtures
# and tests/fuzz/seeds, then prints executions and findings per target.
#   scripts/fuzz.sh [seconds-per-target]   (default 60)
#   FUZZ_TARGETS="journal workflow" scripts/fuzz.sh 20
#   FUZZ_SEED=1 FUZZ_RUNS=4000 scripts/fuzz.sh 120
# With FUZZ_RUNS each target runs that many inputs from FUZZ_SEED on a fresh
# corpus (the seconds are then only a cap): the same result on every machine,
# which is what a CI gate needs. Without it, the run explores at random
# (the seed is printed) and keeps its corpus in build-fuzz/corpus/.
# A finding is written to build-fuzz/findings/<target>/; copy it into
# tests/fuzz/regressions/<target>/ with the fix, where ctest replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
targets=${FUZZ_TARGETS:-workflow version template condition journal sha256sums}
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing: apt-get install -y clang (scripts/setup.sh)" >&2; exit 2; }

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DRELMAN_FUZZ=ON -DRELMAN_TESTS=OFF -DRELMAN_WERROR=ON >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz -j"$(nproc)" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)

seeds_of() {
  case $1 in
    workflow) echo tests/fuzz/seeds/workflow tests/fixtures/bad workflows ;;
    *) echo "tests/fuzz/seeds/$1" ;;
  esac
}

# Leaks are reported as findings too, minus the known ones of the libraries.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
seed=${FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
echo "== fuzz: seed $seed${FUZZ_RUNS:+, $FUZZ_RUNS inputs per target}"
failed=0
summary=()
for t in $targets; do
  corpus=build-fuzz/corpus/$t findings=build-fuzz/findings/$t
  if [ -n "${FUZZ_RUNS:-}" ]; then corpus=$(mktemp -d); rm -rf "$findings"; fi
  mkdir -p "$corpus" "$findings"
  log=build-fuzz/fuzz-$t.log
  existing=()
  for d in $(seeds_of "$t") "tests/fuzz/regressions/$t"; do [ -d "$d" ] && existing+=("$d"); done
  set +e
  "build-fuzz/fuzz_$t" "$corpus" "${existing[@]}" -seed="$seed" "${runs[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1
  rc=$?
  set -e
  [ -n "${FUZZ_RUNS:-}" ] && rm -rf "$corpus"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  found=$(find "$findings" -type f | wc -l)
  summary+=("$(printf '%-11s %10s executions  %s findings  (exit %s, log %s)' "$t" "$execs" "$found" "$rc" "$log")")
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    failed=1
    echo "fuzz: $t found something:" >&2
    grep -E 'ERROR|invariant broken|unexpected exception|SUMMARY' "$log" | head -5 >&2 || true
    find "$findings" -type f >&2
  fi
done
echo "== fuzz: ${secs}s per target at most, seed $seed (FUZZ_SEED=$seed reproduces the order)"
printf '%s\n' "${summary[@]}"
exit $failed
