#!/usr/bin/env bash
# Renders `relman report --format html` in headless Chromium, so a person can
# look at the page (the summary, the artifacts, the SVG timeline).
#
# Two rehearsals of the sample interpreter's 3.12.0 release, in state
# directories this script owns:
#   plain  --auto-approve, nothing goes wrong         -> OUT/report-plain.png
#   rich   the build fails once (a `make` on PATH that refuses its first
#          call), is retried, and the run waits at the green-light gate
#          until it is approved                        -> docs/report-example.png
#
#   scripts/render-report.sh [OUT]    (default: a fresh /tmp/relman-report-XXXXXX)
# Environment: RELMAN (default build/relman, built like scripts/demo.sh when
# missing), WINDOW (default 1200,1900: the whole page, artifacts included), GATE_WAIT seconds (default 3).
# Needs chromium (apt-get install chromium): a documentation tool, not a
# build dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-$(mktemp -d /tmp/relman-report-XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
window=${WINDOW:-1200,1900}
gate_wait=${GATE_WAIT:-3}

if [ -z "${RELMAN:-}" ]; then
  RELMAN=$root/build/relman
  if [ ! -x "$RELMAN" ]; then
    bash scripts/setup.sh
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j"$(nproc)" --target relman >/dev/null
  fi
fi
relman=$(cd "$(dirname "$RELMAN")" && pwd)/$(basename "$RELMAN")
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "render-report: chromium is not installed; run: apt-get install chromium" >&2
  exit 2
fi

# A page to a PNG. Chromium's own profile and caches go to a throwaway
# directory, and nothing is fetched: the page must be self-contained.
screenshot() {
  local html=$1 png=$2 profile
  profile=$(mktemp -d)
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size="$window" \
    --screenshot="$png" "file://$html" >"$out/chromium.log" 2>&1
  rm -rf "$profile"
  [ -s "$png" ] || { echo "render-report: chromium wrote no $png; see $out/chromium.log" >&2; exit 1; }
  echo "render-report: $png"
}

# A fresh sample repository for one rehearsal.
sample() {
  local dir=$1
  rm -rf "$dir"
  bash scripts/sample-repo.sh "$dir" 3.12.0 >/dev/null
}

common=(--workflow "$root/workflows/pep101.yaml" --var project=Minipy --skip check-blockers,check-ci)

echo "== plain rehearsal in $out/plain"
sample "$out/plain"
(cd "$out/plain/repo" && "$relman" rehearse 3.12.0 "${common[@]}" --auto-approve --state-dir "$out/plain/state" >"$out/plain/run.log" 2>&1)
"$relman" report --state-dir "$out/plain/state" --format html -o "$out/report-plain.html"
screenshot "$out/report-plain.html" "$out/report-plain.png"

echo "== rehearsal with a failed build and a wait at the gate in $out/rich"
sample "$out/rich"
fake=$out/rich/fake-bin
mkdir -p "$fake"
real_make=$(command -v make)
cat >"$fake/make" <<EOF
#!/bin/sh
# Fails its first call, like a build broken until the release manager fixes it.
if [ ! -e "$fake/failed-once" ]; then
  touch "$fake/failed-once"
  echo "make: *** [Makefile] Error 1 (render-report.sh: first build made to fail)" >&2
  exit 2
fi
exec "$real_make" "\$@"
EOF
chmod +x "$fake/make"
state=$out/rich/state
cd "$out/rich/repo"
# 1. The build fails; the steps beside it (checksums, sign, verify) finish.
set +e
PATH=$fake:$PATH "$relman" rehearse 3.12.0 "${common[@]}" --state-dir "$state" >"$out/rich/run1.log" 2>&1
rc=$?
set -e
[ $rc -ne 0 ] || { echo "render-report: the first run should have failed at the build" >&2; exit 1; }
# 2. "Fixed": the build runs again and the run stops at the gate.
set +e
PATH=$fake:$PATH "$relman" resume --state-dir "$state" >"$out/rich/run2.log" 2>&1
set -e
"$relman" status --state-dir "$state" --json >"$out/rich/status-at-gate.json"
grep -q '"waiting"' "$out/rich/status-at-gate.json" ||
  { echo "render-report: the run should be waiting at the gate; see $out/rich/run2.log" >&2; exit 1; }
# 3. The experts take their time, then give the green light.
sleep "$gate_wait"
"$relman" approve green-light --as render-report --state-dir "$state" >/dev/null
"$relman" resume --state-dir "$state" >"$out/rich/run3.log" 2>&1
cd "$root"
"$relman" status --state-dir "$state"
"$relman" report --state-dir "$state" --format html -o "$out/report-rich.html"
"$relman" report --state-dir "$state" --format md -o "$out/report-rich.md"
screenshot "$out/report-rich.html" "$out/report-rich.png"
cp "$out/report-rich.png" docs/report-example.png
echo "render-report: docs/report-example.png (the pages and logs are in $out)"
