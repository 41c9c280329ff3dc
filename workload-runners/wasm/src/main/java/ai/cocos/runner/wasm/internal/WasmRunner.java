package ai.cocos.runner.wasm.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.runner.support.RunningWorkloads;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Runs algorithms of type {@code wasm}: a WASI preview 1 command module, inside the agent's JVM.
 *
 * <ul>
 *   <li>Chicory parses and validates the module, which may import only WASI preview 1 functions and
 *       must export {@code _start}; anything else fails before it runs, naming the import.
 *   <li>Every function is compiled to JVM bytecode (Chicory's compiler), never interpreted, unless
 *       one is too large for a JVM method.
 *   <li>The module sees {@code datasets/} (read-only) and {@code results/} (read-write) as relative
 *       paths, and no other file: see {@link GuestFileSystem}. Its arguments are the module's file
 *       name then {@link RunSpec#args()}; its environment holds only {@link RunSpec#environment()};
 *       standard input is empty; {@code random_get} is a {@link java.security.SecureRandom}.
 *   <li>Standard output and error reach the sink line by line as the module prints.
 *   <li>Linear memory is capped ({@code AGENT_WASM_MAX_MEMORY_MB}); a trap, a non-zero {@code
 *       proc_exit}, a timeout or a stop fails the run with the reason (a trap's message names the
 *       Wasm functions it happened in).
 * </ul>
 *
 * <p>There is no fuel (instruction count) limit: Chicory's compiled code can only be ended through
 * the wall-clock limit, which interrupts it within milliseconds. Several workloads may run at once,
 * each on its own thread. Deactivating the component stops every running workload.
 */
@Component(
    service = WorkloadRunner.class,
    configurationPid = WasmRunner.PID,
    property = WorkloadRunner.TYPE_PROPERTY + "=" + WasmRunner.TYPE)
@Designate(ocd = WasmRunnerConfig.class)
public final class WasmRunner implements WorkloadRunner {
  /** The algorithm type served; also the bundle's {@code Cocos-Runner-Type} header. */
  static final String TYPE = "wasm";

  /**
   * The ConfigAdmin PID, fed from {@code AGENT_WASM_*} by {@code conf/ai.cocos.runner.wasm.cfg}.
   */
  static final String PID = "ai.cocos.runner.wasm";

  /** The guest name of the read-only datasets folder. */
  static final String DATASETS = "datasets";

  /** The guest name of the writable results folder. */
  static final String RESULTS = "results";

  /** Heap the JVM needs besides one module's memory (agent, compiled code, buffers). */
  static final long HEAP_MARGIN_BYTES = 64L * 1024 * 1024;

  private static final System.Logger LOG = System.getLogger(WasmRunner.class.getName());

  private final RunnerSettings settings;
  private final RunningWorkloads workloads = new RunningWorkloads(TYPE);
  private final ScheduledExecutorService timer;
  private final long maxHeapBytes;

  /**
   * Activates the runner with its configuration.
   *
   * @param config the component configuration
   * @throws IllegalArgumentException naming an invalid configuration value
   */
  @Activate
  public WasmRunner(WasmRunnerConfig config) {
    this(RunnerSettings.from(config), Runtime.getRuntime().maxMemory());
  }

  /**
   * Creates a runner with explicit settings (for tests and plain class-path use).
   *
   * @param settings the validated settings
   * @param maxHeapBytes the JVM's maximum heap, which must hold a module's memory
   */
  WasmRunner(RunnerSettings settings, long maxHeapBytes) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.maxHeapBytes = maxHeapBytes;
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "cocos-runner-wasm-timer");
              t.setDaemon(true);
              return t;
            });
    // A finished run cancels its time limit, which may lie hours ahead: drop it at once rather
    // than keep the run (and its module) reachable until then.
    timer.setRemoveOnCancelPolicy(true);
    this.timer = timer;
  }

  @Override
  public String type() {
    return TYPE;
  }

  /**
   * Checks that the JVM heap can hold a module's memory at its limit, and that Chicory's compiler
   * and ASM can be loaded from this bundle (the compiler defines classes at run time that need
   * both). Compiling a probe module here would prove more but costs half a second of class loading
   * at every agent start, several seconds in an emulated confidential VM: the first run pays it
   * instead, on its own thread.
   *
   * @throws RunnerUnavailableException naming the setting to change
   */
  @Override
  public void checkHost() throws RunnerUnavailableException {
    long needed = settings.maxMemoryMb() * 1024 * 1024 + HEAP_MARGIN_BYTES;
    if (maxHeapBytes != Long.MAX_VALUE && maxHeapBytes < needed) {
      throw new RunnerUnavailableException(
          "the 'wasm' runner's memory limit of "
              + settings.maxMemoryMb()
              + " MiB (AGENT_WASM_MAX_MEMORY_MB) does not fit in the agent's JVM heap of "
              + maxHeapBytes / (1024 * 1024)
              + " MiB: give the agent a heap of at least "
              + needed / (1024 * 1024)
              + " MiB (-Xmx in JAVA_OPTS) or lower AGENT_WASM_MAX_MEMORY_MB");
    }
    for (String name : COMPILER_CLASSES) {
      try {
        Class.forName(name, false, WasmRunner.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        throw new RunnerUnavailableException(
            "the 'wasm' runner cannot compile Wasm to JVM bytecode: "
                + name
                + " is not loadable ("
                + e
                + "); Chicory and ASM must be on the runner bundle's class path");
      }
    }
  }

  /** Classes the compiler needs at run time, from each embedded library. */
  private static final List<String> COMPILER_CLASSES =
      List.of(
          "com.dylibso.chicory.compiler.MachineFactoryCompiler",
          "com.dylibso.chicory.wasi.WasiPreview1",
          "org.objectweb.asm.ClassWriter",
          "org.objectweb.asm.commons.InstructionAdapter",
          "org.objectweb.asm.tree.analysis.Analyzer",
          "org.objectweb.asm.util.CheckClassAdapter");

  @Override
  public Workload start(RunSpec spec, OutputSink output) throws RunnerException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(output, "output");
    Path algorithm = spec.algorithm().toAbsolutePath().normalize();
    checkEnvironment(spec.environment());
    byte[] module = read(algorithm);
    GuestFileSystem files = files(spec);
    return workloads.start(
        () -> {
          WasmWorkload workload = new WasmWorkload(spec, module, files, output, settings, timer);
          workload.begin(workloads.executor());
          LOG.log(
              Level.INFO,
              () ->
                  "started wasm module of computation "
                      + spec.computationId()
                      + " ("
                      + module.length
                      + " bytes) with limit "
                      + spec.timeout());
          return workload;
        });
  }

  /**
   * Stops every running workload and waits (up to the stop grace plus a few seconds) for their
   * results. Called by the framework when the component goes away.
   */
  @Deactivate
  void deactivate() {
    workloads.shutdown(settings.stopGrace().plus(Duration.ofSeconds(3)));
    timer.shutdownNow();
  }

  private static byte[] read(Path algorithm) throws RunnerException {
    if (!Files.exists(algorithm)) {
      throw new RunnerException("algorithm file " + algorithm + " does not exist");
    }
    if (!Files.isRegularFile(algorithm)) {
      throw new RunnerException("algorithm " + algorithm + " is not a regular file");
    }
    try {
      return Files.readAllBytes(algorithm);
    } catch (IOException | OutOfMemoryError e) {
      throw new RunnerException("cannot read algorithm " + algorithm + ": " + e, e);
    }
  }

  private static GuestFileSystem files(RunSpec spec) throws RunnerException {
    Path datasets = spec.datasetsDir().toAbsolutePath().normalize();
    Path results = spec.resultsDir().toAbsolutePath().normalize();
    if (!Files.isDirectory(datasets)) {
      throw new RunnerException("datasets folder " + datasets + " does not exist");
    }
    if (!Files.isDirectory(results)) {
      throw new RunnerException("results folder " + results + " does not exist");
    }
    try {
      return GuestFileSystem.builder()
          .mount(DATASETS, datasets, false)
          .mount(RESULTS, results, true)
          .build();
    } catch (IOException e) {
      throw new RunnerException("cannot give the module its folders: " + e, e);
    }
  }

  private static void checkEnvironment(Map<String, String> environment) throws RunnerException {
    for (Map.Entry<String, String> e : environment.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new RunnerException(
            "environment variable name '"
                + name.replace("\0", "\\0")
                + "' is invalid: it must be non-empty without '=' or NUL");
      }
      if (e.getValue().indexOf('\0') >= 0) {
        // The value is not echoed: it may be sensitive.
        throw new RunnerException(
            "environment variable " + name + " has a value containing a NUL character");
      }
    }
  }
}
