#!/usr/bin/env bash
# workload-runners/wasm, examples/wasm-csv-summary and bench/wasm-vs-node: the test modules, the
# example and the benchmark kernels are built from C with clang's wasm32-wasi target, which on
# Debian needs clang, lld (wasm-ld), wasi-libc (the sysroot) and the wasm32 compiler runtime.
# The benchmark compares against node, which the benchmark script checks for itself.
# Installs only what is missing.
set -euo pipefail
need=()
command -v clang >/dev/null || need+=(clang)
command -v wasm-ld >/dev/null || need+=(lld)
[ -e /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 ||
  need+=(libclang-rt-14-dev-wasm32)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/41-wasm: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup.d/41-wasm: installing ${need[*]}"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "setup.d/41-wasm: could not install ${need[*]} from the Debian mirror" >&2
  exit 1
fi
command -v clang >/dev/null && command -v wasm-ld >/dev/null ||
  { echo "setup.d/41-wasm: clang or wasm-ld still not on PATH after install" >&2; exit 1; }
