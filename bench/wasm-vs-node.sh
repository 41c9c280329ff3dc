#!/usr/bin/env bash
# The Wasm runner (Chicory, compiled to JVM bytecode, the runner's own memory) against node's
# built-in WebAssembly (V8) on the same module bytes: CPU-bound kernels from
# bench/wasm-vs-node/kernels.c. Prints each kernel's times, the ratio Chicory/node and the
# geometric mean. See bench/wasm-vs-node/README.md for the method and the figures.
#
# Usage: bench/wasm-vs-node.sh [rounds]   (default 3; engines alternate, best of all rounds counts)
# Environment: WARMUP (default 5) and RUNS (default 11) calls per kernel and round; KERNELS (default
# "loop:50000000 sieve:16000000 fib:35 matmul:512"). Needs clang + wasi-libc
# (scripts/setup.d/41-wasm.sh), node, and Maven (the harness is built from workload-runners/wasm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/bench/wasm-vs-node"
rounds="${1:-3}"
warmup="${WARMUP:-5}"
runs="${RUNS:-11}"
read -r -a kernels <<< "${KERNELS:-loop:50000000 sieve:16000000 fib:35 matmul:512}"
command -v clang >/dev/null || { echo "wasm-vs-node: clang is missing; run scripts/setup.d/41-wasm.sh" >&2; exit 1; }
command -v node >/dev/null || { echo "wasm-vs-node: node is missing" >&2; exit 1; }
out="$root/workload-runners/wasm/target/bench"
mkdir -p "$out"

clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry -o "$out/kernels.wasm" "$here/kernels.c"
echo "module: kernels.wasm, $(wc -c < "$out/kernels.wasm") bytes, sha256 $(sha256sum "$out/kernels.wasm" | cut -c1-16)"

(cd "$root" && mvn -B -o -q -Dstyle.color=never test-compile dependency:build-classpath -pl workload-runners/wasm \
  -Dmdep.outputFile="$out/classpath" -Dmdep.includeScope=test >"$out/build.log" 2>&1) \
  || { cat "$out/build.log" >&2; echo "wasm-vs-node: building the harness failed" >&2; exit 1; }
cp="$root/workload-runners/wasm/target/classes:$root/workload-runners/wasm/target/test-classes:$(cat "$out/classpath")"
echo "java: $(java -version 2>&1 | head -n 1); node: $(node --version); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

: > "$out/results.txt"
for round in $(seq 1 "$rounds"); do
  node "$here/bench.mjs" "$out/kernels.wasm" "$warmup" "$runs" "${kernels[@]}" >> "$out/results.txt"
  java -cp "$cp" ai.cocos.runner.wasm.internal.KernelBench "$out/kernels.wasm" "$warmup" "$runs" "${kernels[@]}" \
    2>/dev/null >> "$out/results.txt"
done

# Best (minimum) over all rounds per engine and kernel, for wall time and for CPU time; results must
# agree between the engines (same module, same answer).
awk '
  { key = $1 " " $2; res[key] = $4; kern[$2] = 1; order[$2] = order[$2] ? order[$2] : ++n; name[order[$2]] = $2
    if (!(key in wall) || $6 < wall[key]) wall[key] = $6
    if (!(key in cpu) || $7 < cpu[key]) cpu[key] = $7 }
  END {
    printf "\n%-8s %12s %12s %8s   %12s %12s %8s\n", "kernel", "chicory wall", "node wall", "ratio", "chicory cpu", "node cpu", "ratio"
    lw = 0; lc = 0; k = 0; bad = 0; sw = 0; sc = 0; sk = 0
    for (i = 1; i <= n; i++) {
      x = name[i]; c = "chicory " x; v = "node " x
      if (res[c] != res[v]) { printf "%s: results differ (chicory %s, node %s)\n", x, res[c], res[v]; bad = 1 }
      rw = wall[c] / wall[v]; rc = cpu[c] / cpu[v]
      printf "%-8s %9.1f ms %9.1f ms %7.2fx   %9.1f ms %9.1f ms %7.2fx\n", x, wall[c], wall[v], rw, cpu[c], cpu[v], rc
      lw += log(rw); lc += log(rc); k++
      # The issue names three kernels: a loop, a memory-heavy sieve, recursion.
      if (x == "loop" || x == "sieve" || x == "fib") { sw += log(rw); sc += log(rc); sk++ }
    }
    if (sk == 3) printf "%-28s %7.2fx   %26s %7.2fx\n", "geomean loop, sieve, fib", exp(sw / sk), "", exp(sc / sk)
    printf "%-28s %7.2fx   %26s %7.2fx\n", "geomean all " k " kernels", exp(lw / k), "", exp(lc / k)
    exit bad
  }' "$out/results.txt"
