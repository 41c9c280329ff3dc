// node's side of bench/wasm-vs-node.sh: runs kernels of a Wasm module in V8 (node's built-in
// WebAssembly), with the same warm-up and measurement as the Chicory harness
// (workload-runners/wasm/src/test/java/ai/cocos/runner/wasm/internal/KernelBench.java).
// Usage: node bench.mjs kernels.wasm WARMUP RUNS name:arg [name:arg ...]
// Prints one line per kernel: node <name> <arg> <result> <median wall ms> <min wall ms> <min cpu ms>
// CPU time (user + system of the process) is what a loaded machine distorts least.
import fs from 'node:fs';

const [file, warmup, runs, ...kernels] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(fs.readFileSync(file), {});

for (const spec of kernels) {
  const [name, argText] = spec.split(':');
  const fn = instance.exports[name];
  const arg = Number(argText);
  let result;
  for (let i = 0; i < Number(warmup); i++) result = fn(arg);
  const wall = [];
  const cpu = [];
  for (let i = 0; i < Number(runs); i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    result = fn(arg);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  wall.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  const median = wall[Math.floor(wall.length / 2)];
  console.log(
    `node ${name} ${arg} ${result >>> 0} ${median.toFixed(3)} ${wall[0].toFixed(3)} ${cpu[0].toFixed(3)}`);
}
