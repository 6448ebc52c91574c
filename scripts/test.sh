#!/usr/bin/env bash
# The whole test suite, from nothing: installs the Debian packages, builds
# with warnings as errors, runs every test, then does it again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh            both builds, and 20 s of fuzzing per target
#   scripts/test.sh --quick    the plain build only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DRELMAN_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 900)
}

echo "== relman: build and test (RelWithDebInfo)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== relman: the Debian package (cpack, dpkg -i, checks, dpkg -r)"
bash scripts/install-test.sh build-deb
if [ "${1:-}" != "--quick" ]; then
  echo "== relman: fuzz each target for 20 s (scripts/fuzz.sh)"
  bash scripts/fuzz.sh 20
  echo "== relman: build and test under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DRELMAN_SANITIZE=ON
fi
