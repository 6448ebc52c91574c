#!/usr/bin/env bash
# The Debian package, from nothing: builds relman in Release with the /usr
# prefix, makes the .deb with CPack, installs it with dpkg (apt-get fetches
# its dependencies), checks what a release manager would use first, and
# removes it again.
#   scripts/install-test.sh [BUILD_DIR]    (default build-deb; run as root or with sudo)
# Refuses to replace a relman that was installed by something else than this
# script, and puts back nothing: the package is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-deb}
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

bash scripts/setup.sh
# dpkg-shlibdeps computes the package's dependencies; man-db and
# bash-completion are what the checks below use.
need=()
for p in dpkg-dev file man-db bash-completion; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-test: installing ${need[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== build $build (Release, prefix /usr) and cpack"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DRELMAN_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target relman
rm -f "$build"/relman_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/relman_*.deb)
echo "install-test: $deb"
dpkg-deb --field "$deb"
contents=$(dpkg-deb --contents "$deb")
echo "$contents"

fail() { echo "install-test: FAILED: $*" >&2; exit 1; }
for f in ./usr/bin/relman ./usr/share/relman/workflows/pep101.yaml ./usr/share/man/man1/relman.1 \
         ./usr/share/bash-completion/completions/relman; do
  grep -q " $f\$" <<<"$contents" || fail "$f is not in the package"
done
# The binary finds its workflows at run time: the builder's checkout is not
# compiled into it (it would be a path of another machine).
extracted=$(mktemp -d /tmp/relman-install-test-XXXXXX)
dpkg-deb -x "$deb" "$extracted"
if grep -qF "$root" "$extracted/usr/bin/relman"; then
  rm -rf "$extracted"
  fail "usr/bin/relman holds the build's checkout path $root"
fi
rm -rf "$extracted"
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libgit2-1.5 libgpgme11 libcurl4 libarchive13 liblzma5 libssl3 libyaml-cpp0.7 libfmt9 gnupg; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

if dpkg-query -W -f='${Status}' relman 2>/dev/null | grep -q "install ok installed"; then
  fail "a relman package is already installed; remove it first (dpkg -r relman)"
fi
cleanup() { $sudo_cmd dpkg -r relman >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== dpkg -i"
if ! $sudo_cmd dpkg -i "$deb"; then
  # Dependencies not installed yet: apt-get fetches them and finishes the installation.
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq -f
fi
dpkg-query -W -f='${Status}\n' relman | grep -q "install ok installed" || fail "relman is not installed"

echo "== /usr/bin/relman --version"
version=$(/usr/bin/relman --version)
echo "$version"
grep -q "^relman [0-9]" <<<"$version" || fail "relman --version printed: $version"

# From a directory without workflows/: the installed pep101.yaml is found.
echo "== relman plan 3.12.0 from an empty directory"
empty=$(mktemp -d /tmp/relman-install-test-XXXXXX)
(cd "$empty" && relman plan 3.12.0 >plan.txt) || fail "relman plan 3.12.0"
head -3 "$empty/plan.txt"
used=$(cd "$empty" && relman plan 3.12.0 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["workflow"])')
[ "$used" = /usr/share/relman/workflows/pep101.yaml ] || fail "relman plan used $used, not the installed workflow"
graph=$(cd "$empty" && relman graph --format dot) || fail "relman graph"
grep -q '^digraph' <<<"$graph" || fail "relman graph printed no digraph"
rm -rf "$empty"

echo "== man -w relman"
if command -v man >/dev/null; then
  page=$(man -w relman) || fail "man -w relman found no page"
  echo "$page"
  [[ "$page" == /usr/share/man/man1/relman.1* ]] || fail "man -w relman: $page, not the installed page"
  rendered=$(MANWIDTH=80 man -P cat relman 2>/dev/null) || fail "man relman does not render"
  head -5 <<<"$rendered"
fi

echo "== the installed docs: every relative link resolves"
doc=/usr/share/doc/relman
[ -f "$doc/README.md" ] && [ -f "$doc/docs/release-day.md" ] || fail "README.md or docs/release-day.md is not in $doc"
broken=$(python3 - "$doc" <<'PY'
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
for md in sorted(root.rglob("*.md")):
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", md.read_text()):
        if "://" in target or target.startswith("mailto:"):
            continue
        if not (md.parent / target).exists():
            print("%s -> %s" % (md.relative_to(root), target))
PY
)
[ -z "$broken" ] || fail "links in the installed docs that lead nowhere:
$broken"
echo "$(find "$doc" -name '*.md' | wc -l) files, links resolve"

echo "== bash completion"
complete_line=$(bash -c 'source /usr/share/bash-completion/completions/relman; complete -p relman')
echo "$complete_line"
grep -q "relman" <<<"$complete_line" || fail "the completion does not register for relman"

echo "== dpkg -r relman"
trap - EXIT
$sudo_cmd dpkg -r relman >/dev/null
[ ! -e /usr/bin/relman ] || fail "/usr/bin/relman is still there after dpkg -r"
[ ! -e /usr/share/relman/workflows/pep101.yaml ] || fail "the workflows are still there after dpkg -r"
echo "install-test: OK"
