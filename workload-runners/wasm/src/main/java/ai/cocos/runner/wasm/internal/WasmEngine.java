package ai.cocos.runner.wasm.internal;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.InputStream;
import java.util.function.Function;

/**
 * How the runner turns module bytes into a running instance, in one place so that the benchmark
 * measures exactly what the runner runs.
 */
final class WasmEngine {
  private WasmEngine() {}

  /**
   * Parses and validates a module.
   *
   * @param in the module's bytes
   * @return the module
   * @throws com.dylibso.chicory.wasm.MalformedException if it is not a module
   * @throws com.dylibso.chicory.wasm.InvalidException if it does not validate
   */
  static WasmModule parse(InputStream in) {
    return Parser.parse(in);
  }

  /**
   * Compiles every function of the module to JVM bytecode. A function too large for one JVM method
   * (64 KiB of bytecode) is interpreted instead, with a warning on standard error: refusing a valid
   * module would be worse than running one function slowly.
   *
   * @param module the module
   * @return the machine factory for its instances
   */
  static Function<Instance, Machine> compile(WasmModule module) {
    return MachineFactoryCompiler.builder(module)
        .withInterpreterFallback(InterpreterFallback.WARN)
        .compile();
  }

  /**
   * An instance builder with the compiled machine and the memory limit applied.
   *
   * @param module the module
   * @param machine its compiled machine factory
   * @param maxPages the most pages its memory may grow to
   * @return the builder, to which the caller adds imports
   */
  static Instance.Builder instance(
      WasmModule module, Function<Instance, Machine> machine, int maxPages) {
    return Instance.builder(module)
        .withMachineFactory(machine)
        .withMemoryFactory(limits -> memory(limits, maxPages));
  }

  /**
   * The memory of a module: its own limits with the maximum capped by the runner's limit. Below 2
   * GiB (every limit up to {@code AGENT_WASM_MAX_MEMORY_MB=2047}) it is a {@link FlatMemory}, the
   * fastest safe layout measured (see {@code bench/wasm-vs-node/README.md}); above, Chicory's paged
   * {@link ByteArrayMemory}.
   *
   * @param declared the limits the module declares
   * @param maxPages the runner's limit in pages
   * @return the memory
   */
  static Memory memory(MemoryLimits declared, int maxPages) {
    int max = Math.min(declared.maximumPages(), maxPages);
    MemoryLimits limits = new MemoryLimits(declared.initialPages(), max, declared.shared());
    return FlatMemory.fits(limits) ? new FlatMemory(limits) : new ByteArrayMemory(limits);
  }

  /**
   * A function's name from the module's name section.
   *
   * @param module the module
   * @param index the function index (imports first)
   * @return the name, or {@code null} if the module does not name it
   */
  static String functionName(WasmModule module, int index) {
    var names = module.nameSection();
    return names == null ? null : names.nameOfFunction(index);
  }
}
