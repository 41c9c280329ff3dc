package ai.cocos.runner.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a module must be before it runs: a WASI command that imports nothing but WASI preview 1
 * functions and fits the memory limit. Each failure names what to change.
 */
final class ModuleCheck {
  /** The only module a Wasm algorithm may import from. */
  static final String WASI_MODULE = "wasi_snapshot_preview1";

  /** The entry point of a WASI command (WASI application ABI). */
  static final String ENTRY_POINT = "_start";

  private ModuleCheck() {}

  /**
   * Checks a parsed module.
   *
   * @param module the module
   * @param wasi the functions the runner provides
   * @param maxPages the memory limit in 64 KiB pages
   * @throws ModuleRejectedException naming the first problem found
   */
  static void check(WasmModule module, HostFunction[] wasi, int maxPages)
      throws ModuleRejectedException {
    Set<String> provided = new HashSet<>();
    for (HostFunction f : wasi) {
      provided.add(f.module() + "." + f.name());
    }
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import imp = module.importSection().getImport(i);
      String kind = imp.importType().name().toLowerCase(Locale.ROOT);
      String what = imp.module() + "." + imp.name() + " (" + kind + ")";
      if (!WASI_MODULE.equals(imp.module())) {
        throw new ModuleRejectedException(
            "algorithm imports "
                + what
                + ", which the wasm runner does not provide: a module may import only WASI"
                + " preview 1 functions ("
                + WASI_MODULE
                + ")");
      }
      if (imp.importType() != ExternalType.FUNCTION
          || !provided.contains(imp.module() + "." + imp.name())) {
        throw new ModuleRejectedException(
            "algorithm imports " + what + ", which is not a WASI preview 1 function");
      }
    }
    if (!exportsFunction(module.exportSection(), ENTRY_POINT)) {
      throw new ModuleRejectedException(
          "algorithm exports no "
              + ENTRY_POINT
              + " function: build it as a WASI command (a C program with main(), clang"
              + " --target=wasm32-wasi)");
    }
    if (module.memorySection().isPresent()) {
      var memories = module.memorySection().get();
      for (int i = 0; i < memories.memoryCount(); i++) {
        MemoryLimits limits = memories.getMemory(i).limits();
        if (limits.initialPages() > maxPages) {
          throw new ModuleRejectedException(
              "algorithm needs "
                  + mib(limits.initialPages())
                  + " MiB of memory to start, more than the limit of "
                  + mib(maxPages)
                  + " MiB (AGENT_WASM_MAX_MEMORY_MB)");
        }
      }
    }
  }

  private static boolean exportsFunction(ExportSection exports, String name) {
    for (int i = 0; i < exports.exportCount(); i++) {
      Export e = exports.getExport(i);
      if (e.name().equals(name) && e.exportType() == ExternalType.FUNCTION) {
        return true;
      }
    }
    return false;
  }

  private static long mib(int pages) {
    return ((long) pages * RunnerSettings.PAGE_BYTES + (1 << 20) - 1) >> 20;
  }

  /** A module that must not run; the message names why. */
  static final class ModuleRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    ModuleRejectedException(String message) {
      super(message);
    }
  }
}
