#!/usr/bin/env bash
# Builds algorithm/summary.c into a WASI command module: build.sh [OUTPUT] (default summary.wasm
# next to the source). Needs clang, lld and wasi-libc (scripts/setup.d/41-wasm.sh installs them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/algorithm/summary.wasm}"
command -v clang >/dev/null || { echo "build.sh: clang is missing; run scripts/setup.d/41-wasm.sh" >&2; exit 1; }
clang --target=wasm32-wasi -O2 -o "$out" "$here/algorithm/summary.c"
