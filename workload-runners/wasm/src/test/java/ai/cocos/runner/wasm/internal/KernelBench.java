package ai.cocos.runner.wasm.internal;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Chicory's side of {@code bench/wasm-vs-node.sh}: runs exported kernels of a Wasm module exactly
 * as the wasm runner runs modules ({@link WasmEngine}: Chicory's compiler, the runner's memory),
 * with the same warm-up and measurement as node's side ({@code bench/wasm-vs-node/bench.mjs}).
 *
 * <p>Usage: {@code KernelBench kernels.wasm WARMUP RUNS name:arg [name:arg ...]}; prints one line
 * per kernel: {@code chicory <name> <arg> <result> <median wall ms> <min wall ms> <min cpu ms>}
 * (CPU time of the running thread: what a loaded machine distorts least). Not a test: a benchmark
 * measures, it does not assert.
 */
public final class KernelBench {
  private KernelBench() {}

  private static MemoryLimits capped(MemoryLimits declared, int maxPages) {
    return new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), maxPages));
  }

  /**
   * Runs the benchmark.
   *
   * @param args the module, warm-up runs, measured runs, kernels
   * @throws Exception if the module cannot be read
   */
  public static void main(String[] args) throws Exception {
    WasmModule module;
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      module = WasmEngine.parse(in);
    }
    int warmup = Integer.parseInt(args[1]);
    int runs = Integer.parseInt(args[2]);
    long compileStart = System.nanoTime();
    // -Dmemory=array or -Dmemory=buffer swaps in Chicory's own memories (for the comparison in
    // bench/wasm-vs-node/README.md); by default the runner's choice.
    String memory = System.getProperty("memory", "runner");
    int maxPages = RunnerSettings.defaults().maxMemoryPages();
    Instance.Builder builder = WasmEngine.instance(module, WasmEngine.compile(module), maxPages);
    if (memory.equals("array")) {
      builder.withMemoryFactory(l -> new ByteArrayMemory(capped(l, maxPages)));
    } else if (memory.equals("buffer")) {
      builder.withMemoryFactory(l -> new ByteBufferMemory(capped(l, maxPages)));
    }
    Instance instance = builder.build();
    System.err.printf(
        Locale.ROOT,
        "compiled in %.1f ms, memory %s%n",
        (System.nanoTime() - compileStart) / 1e6,
        instance.memory().getClass().getSimpleName());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int k = 3; k < args.length; k++) {
      String[] spec = args[k].split(":");
      ExportFunction fn = instance.export(spec[0]);
      long arg = Long.parseLong(spec[1]);
      long result = 0;
      for (int i = 0; i < warmup; i++) {
        result = fn.apply(arg)[0];
      }
      double[] wall = new double[runs];
      double[] cpu = new double[runs];
      for (int i = 0; i < runs; i++) {
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        result = fn.apply(arg)[0];
        wall[i] = (System.nanoTime() - t0) / 1e6;
        cpu[i] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
      }
      Arrays.sort(wall);
      Arrays.sort(cpu);
      System.out.printf(
          Locale.ROOT,
          "chicory %s %d %d %.3f %.3f %.3f%n",
          spec[0],
          arg,
          result & 0xffffffffL,
          wall[runs / 2],
          wall[0],
          cpu[0]);
    }
  }
}
