#!/usr/bin/env bash
# The layers' includes (docs/architecture.md): main -> cli -> core <- steps,
# adapters at the bottom. The link checks (cmake/layering.cmake) catch calls
# across layers; this catches what the linker cannot see: a header included
# for a type or an inline function, and a C library's header outside adapters.
#   scripts/check-layers.sh [SRC]   (default: src of this checkout); exit 1 on a violation
set -euo pipefail
src=${1:-"$(dirname "$0")/../src"}
c_libraries='git2|gpgme|curl/|openssl/|archive|lzma|libssh2|CLI/'
status=0

# check LAYER ALLOWED-PROJECT-HEADERS FORBIDDEN-SYSTEM-HEADERS
check() {
  local layer=$1 allowed=$2 forbidden=$3 found
  found=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' -r "$src/$layer" --include='*.h' --include='*.cpp' |
    grep -vE "#[[:space:]]*include[[:space:]]*\"($allowed)" || true)
  if [ -n "$found" ]; then
    echo "layering: src/$layer may include only these of relman's headers: $allowed" >&2
    echo "$found" >&2
    status=1
  fi
  if [ -n "$forbidden" ]; then
    found=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($forbidden)" -r "$src/$layer" \
      --include='*.h' --include='*.cpp' || true)
    if [ -n "$found" ]; then
      echo "layering: src/$layer must not include <$forbidden...> headers: call them through an adapter" >&2
      echo "$found" >&2
      status=1
    fi
  fi
}

# core: itself, and the durable writes and percent-encoding (their own library, no C library).
check core 'core/|adapters/durable\.h"|adapters/percent_encoding\.h"' "$c_libraries"
check adapters 'adapters/' 'CLI/'
# steps: libgit2's and libarchive's types come through adapters' headers; a
# direct include is still allowed there until every call has its adapter.
check steps 'core/|adapters/|steps/' 'curl/|openssl/|gpgme|lzma|CLI/'
check cli 'cli/|core/|adapters/' 'git2|gpgme|curl/|openssl/|archive|lzma'
exit $status
