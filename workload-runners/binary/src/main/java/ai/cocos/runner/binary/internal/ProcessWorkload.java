package ai.cocos.runner.binary.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.Workload;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One running algorithm process: pumps its output, enforces its time limit, and ends it (with all
 * its descendants) on {@link #stop()}.
 *
 * <p>Three tasks run on the runner's executor: one pump per output stream and a supervisor that
 * waits for the process, then for both streams to reach their end, and then completes the result.
 * While the process runs, the supervisor samples its descendants once per {@link #TRACK_INTERVAL},
 * so that children which outlive it (and keep its output pipes open) can still be ended.
 */
final class ProcessWorkload implements Workload {
  /** How often the process tree is sampled while the algorithm runs. */
  static final Duration TRACK_INTERVAL = Duration.ofSeconds(1);

  /** The shortest time output may keep flowing after the algorithm exited. */
  private static final Duration MIN_DRAIN = Duration.ofSeconds(1);

  private static final System.Logger LOG = System.getLogger(ProcessWorkload.class.getName());

  /** Linux signal names by number (x86, ARM and RISC-V numbering). */
  private static final String[] SIGNALS = {
    "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
    "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
  };

  private final String computationId;
  private final Process process;
  private final Duration timeout;
  private final RunnerSettings settings;
  private final Executor executor;
  private final Consumer<ProcessWorkload> onEnd;
  private final LinePump stdout;
  private final LinePump stderr;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final AtomicReference<Outcome> ending = new AtomicReference<>();
  private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
  private final List<CompletableFuture<Void>> terminations = new ArrayList<>();
  private final long deadline;
  private CompletableFuture<Void> stdoutDone;
  private CompletableFuture<Void> stderrDone;

  /**
   * Wraps a started process; {@link #begin()} starts supervising it.
   *
   * @param computationId the computation, for log messages
   * @param process the started algorithm process
   * @param timeout the wall-clock limit, counted from now
   * @param sink receives the output lines
   * @param settings the runner's settings
   * @param executor runs the pumps, the supervisor and terminations
   * @param onEnd told once the result is complete
   */
  ProcessWorkload(
      String computationId,
      Process process,
      Duration timeout,
      OutputSink sink,
      RunnerSettings settings,
      Executor executor,
      Consumer<ProcessWorkload> onEnd) {
    this.computationId = Objects.requireNonNull(computationId, "computationId");
    this.process = Objects.requireNonNull(process, "process");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.onEnd = Objects.requireNonNull(onEnd, "onEnd");
    this.deadline = System.nanoTime() + timeout.toNanos();
    this.stdout =
        new LinePump(
            process.getInputStream(), OutputSink.Stream.STDOUT, sink, settings.maxLineBytes());
    this.stderr =
        new LinePump(
            process.getErrorStream(), OutputSink.Stream.STDERR, sink, settings.maxLineBytes());
  }

  /**
   * Starts the pumps and the supervisor.
   *
   * @throws RejectedExecutionException if the executor no longer accepts tasks; the process tree
   *     has been killed then
   */
  void begin() {
    try {
      // The algorithm gets no input: closing the pipe gives it an immediate end of file.
      process.getOutputStream().close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing stdin of algorithm failed: " + e);
    }
    try {
      stdoutDone = CompletableFuture.runAsync(stdout, executor);
      stderrDone = CompletableFuture.runAsync(stderr, executor);
      executor.execute(this::supervise);
    } catch (RejectedExecutionException e) {
      stdout.detach();
      stderr.detach();
      kill(List.of(process.toHandle()));
      throw e;
    }
  }

  @Override
  public CompletionStage<RunResult> result() {
    return result.minimalCompletionStage();
  }

  @Override
  public void stop() {
    if (result.isDone()) {
      return;
    }
    if (process.isAlive()) {
      if (ending.compareAndSet(null, Outcome.STOPPED)) {
        LOG.log(Level.INFO, () -> "stopping algorithm of computation " + computationId);
        terminateAsync(withSeen(process.toHandle()));
      }
    } else {
      // Exited already; children it left behind may still hold its output open: end them.
      terminateAsync(List.copyOf(seen));
    }
  }

  private void supervise() {
    RunResult outcome;
    try {
      int status = awaitExit();
      awaitOutput();
      awaitTerminations();
      outcome = resultFor(status);
    } catch (InterruptedException e) {
      // The runner is being torn down: end the tree rather than leave it unsupervised.
      kill(withSeen(process.toHandle()));
      outcome = new RunResult(Outcome.STOPPED, -1, "algorithm was stopped: the runner shut down");
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      kill(withSeen(process.toHandle()));
      outcome =
          new RunResult(Outcome.FAILED, -1, "binary runner failed supervising the algorithm: " + e);
      LOG.log(Level.ERROR, "supervising algorithm of computation " + computationId + " failed", e);
    }
    stdout.detach();
    stderr.detach();
    result.complete(outcome);
    onEnd.accept(this);
  }

  /** Waits for the algorithm process to exit, enforcing the time limit; returns its status. */
  private int awaitExit() throws InterruptedException {
    long track = TRACK_INTERVAL.toNanos();
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0 && ending.compareAndSet(null, Outcome.TIMED_OUT)) {
        LOG.log(
            Level.INFO,
            () -> "algorithm of computation " + computationId + " exceeded its limit " + timeout);
        terminate(withSeen(process.toHandle()));
      }
      if (process.waitFor(
          remaining > 0 ? Math.min(remaining, track) : track, TimeUnit.NANOSECONDS)) {
        return process.exitValue();
      }
      seen.removeIf(h -> !ProcessTree.isRunning(h));
      process.descendants().forEach(seen::add);
    }
  }

  /**
   * Waits for both output streams to end, then ends every process the algorithm left behind: the
   * workload is over once the algorithm exited. Leftovers that hold the output open get the drain
   * period to finish writing first.
   */
  private void awaitOutput() throws InterruptedException {
    CompletableFuture<Void> both = CompletableFuture.allOf(stdoutDone, stderrDone);
    Duration drain = max(settings.killGrace(), MIN_DRAIN);
    boolean drained = await(both, drain);
    List<ProcessHandle> leftovers = new ArrayList<>();
    for (ProcessHandle h : seen) {
      if (ProcessTree.isRunning(h)) {
        leftovers.add(h);
      }
    }
    if (!leftovers.isEmpty()) {
      LOG.log(
          Level.INFO,
          () ->
              "algorithm of computation "
                  + computationId
                  + " exited leaving "
                  + leftovers.size()
                  + " processes; ending them");
      terminate(leftovers);
    }
    if (!drained && !await(both, drain)) {
      // Writers that detached before they were ever seen: stop waiting and drop their output.
      LOG.log(
          Level.WARNING,
          () ->
              "output of computation "
                  + computationId
                  + " is still open after the algorithm ended; ignoring the rest of it");
    }
  }

  private void awaitTerminations() throws InterruptedException {
    List<CompletableFuture<Void>> pending;
    synchronized (terminations) {
      pending = List.copyOf(terminations);
    }
    await(
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)),
        settings.killGrace().plus(ProcessTree.KILL_WAIT).plusSeconds(1));
  }

  private RunResult resultFor(int status) {
    Outcome requested = ending.get();
    if (requested == Outcome.TIMED_OUT) {
      return new RunResult(
          Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of " + timeout);
    }
    if (requested == Outcome.STOPPED) {
      return new RunResult(Outcome.STOPPED, -1, "algorithm was stopped");
    }
    if (status == 0) {
      return new RunResult(Outcome.SUCCEEDED, 0, "");
    }
    return new RunResult(Outcome.FAILED, status, describeStatus(status));
  }

  /**
   * Names a non-zero exit status. Java reports a death by signal n as status 128+n, exactly like a
   * shell; a program that itself exits with such a status reads the same.
   */
  static String describeStatus(int status) {
    if (status > 128 && status < 128 + 65) {
      int signal = status - 128;
      return "algorithm was killed by signal "
          + signal
          + (signal < SIGNALS.length ? " (SIG" + SIGNALS[signal] + ")" : "")
          + ", exit status "
          + status;
    }
    return "algorithm exited with status " + status;
  }

  private List<ProcessHandle> withSeen(ProcessHandle root) {
    List<ProcessHandle> all = new ArrayList<>(seen);
    all.add(0, root);
    return all;
  }

  /**
   * Ends the given processes and their descendants on another thread; the supervisor waits for it
   * before completing the result.
   */
  private void terminateAsync(List<ProcessHandle> roots) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (terminations) {
      terminations.add(done);
    }
    Runnable task =
        () -> {
          try {
            terminate(roots);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(roots);
          } finally {
            done.complete(null);
          }
        };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // The runner is shutting down; a stop must still happen.
      Thread t = new Thread(task, "cocos-runner-bin-stop");
      t.setDaemon(true);
      t.start();
    }
  }

  private void terminate(List<ProcessHandle> roots) throws InterruptedException {
    List<ProcessHandle> survivors = ProcessTree.terminate(roots, settings.killGrace());
    if (!survivors.isEmpty()) {
      LOG.log(
          Level.WARNING,
          () -> "processes of computation " + computationId + " survived SIGKILL: " + survivors);
    }
  }

  /** SIGKILL without waiting: for paths that cannot block. */
  private static void kill(List<ProcessHandle> roots) {
    for (ProcessHandle root : roots) {
      root.descendants().forEach(ProcessHandle::destroyForcibly);
      root.destroyForcibly();
    }
  }

  private static boolean await(CompletableFuture<?> future, Duration limit)
      throws InterruptedException {
    try {
      future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true; // the pumps and terminations never throw; a failure still means "over"
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
