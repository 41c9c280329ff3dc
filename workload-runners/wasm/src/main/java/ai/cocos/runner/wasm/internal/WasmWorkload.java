package ai.cocos.runner.wasm.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.LineOutputStream;
import ai.cocos.runner.wasm.internal.ModuleCheck.ModuleRejectedException;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import java.io.ByteArrayInputStream;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of a Wasm module, on a thread of its own.
 *
 * <p>The thread parses the module, checks it ({@link ModuleCheck}), compiles it to JVM bytecode
 * with Chicory's compiler, instantiates it with WASI preview 1 over a {@link GuestFileSystem} and
 * calls {@code _start}. Compiling a large module takes a while, which is why all of it happens here
 * and not in {@link WasmRunner#start}.
 *
 * <p>Stop and timeout interrupt that thread; Chicory's compiled code checks the interrupt flag on
 * every backward jump and call, so even a tight infinite loop ends at once. If the thread has not
 * ended within the stop grace (stuck in a host call), the result is reported anyway.
 */
final class WasmWorkload implements Workload {
  private static final System.Logger LOG = System.getLogger(WasmWorkload.class.getName());

  /** How many Wasm frames a trap's reason names, innermost first. */
  private static final int BACKTRACE_FRAMES = 6;

  /** How many output lines may wait for the sink. */
  private static final int RELAY_CAPACITY = 256;

  /** How long the end of a run waits for a slow sink to take the last lines. */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(10);

  private final RunSpec spec;
  private byte[] moduleBytes; // released once parsed
  private final GuestFileSystem files;
  private final RunnerSettings settings;
  private final ScheduledExecutorService timer;
  private final OutputRelay relay;
  private final LineOutputStream stdout;
  private final LineOutputStream stderr;
  private final Thread thread;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final AtomicReference<Outcome> ending = new AtomicReference<>();
  private volatile ScheduledFuture<?> deadline;

  /**
   * Prepares a run; nothing runs before {@link #begin(Executor)}.
   *
   * @param spec what to run
   * @param moduleBytes the module file's content
   * @param files the module's file system (closed when the run ends)
   * @param output the agent's sink
   * @param settings the runner's settings
   * @param timer schedules the time limit and the stop grace
   */
  WasmWorkload(
      RunSpec spec,
      byte[] moduleBytes,
      GuestFileSystem files,
      OutputSink output,
      RunnerSettings settings,
      ScheduledExecutorService timer) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.moduleBytes = Objects.requireNonNull(moduleBytes, "moduleBytes");
    this.files = Objects.requireNonNull(files, "files");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.timer = Objects.requireNonNull(timer, "timer");
    this.relay = new OutputRelay(output, RELAY_CAPACITY);
    this.stdout = new LineOutputStream(OutputSink.Stream.STDOUT, relay, settings.maxLineBytes());
    this.stderr = new LineOutputStream(OutputSink.Stream.STDERR, relay, settings.maxLineBytes());
    this.thread =
        new Thread(null, this::run, "cocos-wasm-" + spec.computationId(), settings.stackBytes());
    this.thread.setDaemon(true);
  }

  /**
   * Starts the module's thread, the output relay and the time limit.
   *
   * @param executor runs the output relay
   */
  void begin(Executor executor) throws RunnerException {
    relay.start(executor);
    // Scheduled before the thread starts, so that even a module that ends at once cancels it.
    deadline =
        timer.schedule(
            () -> end(Outcome.TIMED_OUT), spec.timeout().toNanos(), TimeUnit.NANOSECONDS);
    try {
      thread.start();
    } catch (OutOfMemoryError e) {
      // "unable to create native thread": nothing runs, so nothing is left behind.
      deadline.cancel(false);
      relay.detach();
      files.close();
      throw new RunnerException("cannot start a thread for the module: " + e.getMessage(), e);
    }
  }

  @Override
  public CompletionStage<RunResult> result() {
    return result.copy();
  }

  @Override
  public void stop() {
    end(Outcome.STOPPED);
  }

  private void end(Outcome why) {
    if (result.isDone() || !ending.compareAndSet(null, why)) {
      return;
    }
    thread.interrupt();
    try {
      timer.schedule(
          () -> reportIfStuck(why), settings.stopGrace().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The runner is shutting down and waits for the results itself: report this one now.
      relay.detach();
      complete(requested(why));
    }
  }

  /** Reports the requested ending if the module's thread has not ended within the grace. */
  private void reportIfStuck(Outcome why) {
    if (result.isDone()) {
      return;
    }
    LOG.log(
        Level.WARNING,
        () ->
            "wasm module of computation "
                + spec.computationId()
                + " did not end within "
                + settings.stopGrace()
                + " of being "
                + (why == Outcome.STOPPED ? "stopped" : "timed out")
                + "; reporting it ended, its thread ends at its next check");
    relay.detach();
    complete(requested(why));
  }

  private void run() {
    RunResult natural;
    try {
      natural = execute();
    } catch (Throwable t) {
      natural = describe(t, null);
    }
    stdout.close();
    stderr.close();
    files.close();
    // A stop or timeout requested before the module ended decides the outcome, even if the module
    // then returned normally (a host call it was in may have ended early because of it).
    Outcome why = ending.get();
    if (why != null) {
      relay.detach();
      complete(requested(why));
      return;
    }
    if (!relay.drain(DRAIN_LIMIT)) {
      LOG.log(
          Level.WARNING,
          () ->
              "output sink too slow: last lines of computation " + spec.computationId() + " lost");
      relay.detach();
    }
    complete(natural);
  }

  private void complete(RunResult outcome) {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    if (result.complete(outcome)) {
      LOG.log(
          Level.INFO,
          () ->
              "wasm module of computation "
                  + spec.computationId()
                  + " ended: "
                  + outcome.outcome()
                  + (outcome.reason().isEmpty() ? "" : " (" + outcome.reason() + ")"));
    }
  }

  private RunResult requested(Outcome why) {
    return why == Outcome.TIMED_OUT
        ? new RunResult(
            Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of " + spec.timeout())
        : new RunResult(Outcome.STOPPED, -1, "algorithm was stopped");
  }

  /** Parses, checks, compiles and runs the module; the natural result, ignoring stop requests. */
  private RunResult execute() {
    WasmModule module;
    try {
      module = WasmEngine.parse(new ByteArrayInputStream(moduleBytes));
    } catch (MalformedException | InvalidException e) {
      return failed("algorithm is not a valid WebAssembly module: " + e.getMessage());
    } finally {
      moduleBytes = null;
    }
    WasiOptions.Builder options =
        WasiOptions.builder()
            .withArguments(arguments())
            // Reported as terminals so that wasi-libc line-buffers them: lines reach the sink as
            // they are printed, not when a 4 KiB buffer fills or the module exits.
            .withStdout(stdout, true)
            .withStderr(stderr, true)
            // Modules generate keys and nonces with random_get: never a predictable generator.
            .withRandom(new SecureRandom())
            .withDirectory(WasmRunner.DATASETS, files.mountPoint(WasmRunner.DATASETS))
            .withDirectory(WasmRunner.RESULTS, files.mountPoint(WasmRunner.RESULTS))
            .withThrowOnExit0(true);
    // Only what the run spec names: the agent's own environment never reaches the module.
    spec.environment().forEach(options::withEnvironment);
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options.build()).build()) {
      var functions = wasi.toHostFunctions();
      try {
        ModuleCheck.check(module, functions, settings.maxMemoryPages());
      } catch (ModuleRejectedException e) {
        return failed(e.getMessage());
      }
      var machine = WasmEngine.compile(module);
      if (ending.get() != null) {
        return failed("algorithm did not start");
      }
      try {
        Instance instance =
            WasmEngine.instance(module, machine, settings.maxMemoryPages())
                .withImportValues(ImportValues.builder().addFunction(functions).build())
                .withStart(false)
                .build();
        instance.export(ModuleCheck.ENTRY_POINT).apply();
      } catch (WasiExitException e) {
        return e.exitCode() == 0
            ? new RunResult(Outcome.SUCCEEDED, 0, "")
            : new RunResult(
                Outcome.FAILED, e.exitCode(), "algorithm exited with status " + e.exitCode());
      } catch (RuntimeException | StackOverflowError e) {
        return describe(e, module);
      }
    }
    return new RunResult(Outcome.SUCCEEDED, 0, "");
  }

  /** argv: the module's file name, then the manifest's arguments. */
  private List<String> arguments() {
    List<String> argv = new ArrayList<>(spec.args().size() + 1);
    argv.add(spec.algorithm().getFileName().toString());
    argv.addAll(spec.args());
    return argv;
  }

  private RunResult describe(Throwable t, WasmModule module) {
    if (t instanceof MalformedException || t instanceof InvalidException) {
      // Chicory validates some of a module only when it compiles or instantiates it.
      return failed("algorithm is not a valid WebAssembly module: " + t.getMessage());
    }
    if (t instanceof UninstantiableException && t.getCause() instanceof TrapException trap) {
      return failed("algorithm trapped while starting: " + trap.getMessage() + where(trap, module));
    }
    if (t instanceof TrapException trap) {
      return failed("algorithm trapped: " + trap.getMessage() + where(trap, module));
    }
    // Chicory's compiled code wraps the JVM's StackOverflowError in a ChicoryException.
    Throwable overflow = t instanceof StackOverflowError ? t : t.getCause();
    if (overflow instanceof StackOverflowError) {
      return failed(
          "algorithm trapped: call stack exhausted (the runner's stack of "
              + settings.stackBytes() / (1024 * 1024)
              + " MiB, AGENT_WASM_STACK_MB, bounds the call depth)"
              + where(overflow, module));
    }
    if (t instanceof ChicoryInterruptedException) {
      return failed("algorithm was interrupted");
    }
    if (t instanceof UnlinkableException || t instanceof UninstantiableException) {
      return failed("algorithm cannot be instantiated: " + t.getMessage());
    }
    if (t instanceof WasmRuntimeException) {
      // Chicory raises most traps (out-of-bounds memory, division by zero, bad conversions) as
      // WasmRuntimeException; the same type from its WASI layer means a call it cannot serve.
      StackTraceElement[] stack = t.getStackTrace();
      boolean fromWasi =
          stack.length > 0 && stack[0].getClassName().startsWith("com.dylibso.chicory.wasi.");
      return fromWasi
          ? failed("algorithm failed in a WASI call: " + t.getMessage())
          : failed("algorithm trapped: " + t.getMessage() + where(t, module));
    }
    if (t instanceof ChicoryException) {
      return failed("algorithm failed: " + t.getMessage());
    }
    if (t instanceof OutOfMemoryError) {
      return failed(
          "the agent's JVM ran out of memory running the algorithm: give the agent a larger"
              + " heap (-Xmx) or lower AGENT_WASM_MAX_MEMORY_MB");
    }
    LOG.log(Level.ERROR, "wasm runner failed running computation " + spec.computationId(), t);
    return failed("the wasm runner failed running the algorithm: " + t);
  }

  private static RunResult failed(String reason) {
    return new RunResult(Outcome.FAILED, -1, reason);
  }

  /**
   * Names the Wasm functions a failure happened in, innermost first, from the frames of the
   * compiled code (methods {@code func_<index>}) and the module's name section.
   */
  static String where(Throwable t, WasmModule module) {
    List<String> frames = new ArrayList<>();
    for (StackTraceElement e : t.getStackTrace()) {
      String method = e.getMethodName();
      if (!e.getClassName().startsWith("com.dylibso.chicory.$gen.")
          || !method.startsWith("func_")) {
        continue;
      }
      String name;
      try {
        int index = Integer.parseInt(method.substring("func_".length()));
        String known = module == null ? null : WasmEngine.functionName(module, index);
        name = known != null ? known : "function " + index;
      } catch (NumberFormatException ex) {
        continue;
      }
      if (frames.isEmpty() || !frames.get(frames.size() - 1).equals(name)) {
        frames.add(name);
      }
      if (frames.size() == BACKTRACE_FRAMES) {
        break;
      }
    }
    return frames.isEmpty() ? "" : " (in " + String.join(" <- ", frames) + ")";
  }
}
