#!/usr/bin/env bash
# A rehearsal release from nothing: installs what relman needs, builds it,
# makes a repository of the bundled sample interpreter (with "origin" and
# "upstream" remotes), and rehearses a PEP 101 release of it end to end.
#   scripts/demo.sh [VERSION]     (default 3.12.0, a final release)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-3.12.0}
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target relman >/dev/null
work=$(mktemp -d /tmp/relman-demo-XXXXXX)
echo "== sample interpreter repository for $version in $work"
bash scripts/sample-repo.sh "$work" "$version" >/dev/null
cd "$work/repo"
echo "== relman rehearse $version (CI and blocker checks are skipped: they read github.com)"
set +e
"$OLDPWD/build/relman" rehearse "$version" --workflow "$OLDPWD/workflows/pep101.yaml" \
  --var project=Minipy --skip check-blockers,check-ci --auto-approve --state-dir "$work/state"
rc=$?
set -e
echo "== relman status"
"$OLDPWD/build/relman" status --state-dir "$work/state"
exit $rc
