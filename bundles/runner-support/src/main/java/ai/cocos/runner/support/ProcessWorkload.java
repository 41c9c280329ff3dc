package ai.cocos.runner.support;

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

/**
 * Supervises one started process as a {@link Workload}: pumps its output into an {@link OutputSink}
 * line by line, enforces its time limit, and ends it with all its descendants on {@link #stop()} or
 * timeout (SIGTERM, then SIGKILL after the grace; see {@link ProcessTree}).
 *
 * <p>Three tasks run on the given executor: one {@link LinePump} per output stream and a supervisor
 * that waits for the process, then for both streams to reach their end, and then completes the
 * result. While the process runs, the supervisor samples its descendants once per {@link
 * #TRACK_INTERVAL}, so that children which outlive it (and keep its output pipes open) can still be
 * ended. Once the result is complete nothing more reaches the sink.
 *
 * <p>The result's reason names the process by its label ({@code "algorithm"} unless set):
 * "algorithm exited with status 3", "algorithm was killed by signal 11 (SIGSEGV), exit status 139",
 * "algorithm exceeded its time limit of PT2S", "algorithm was stopped".
 *
 * <pre>{@code
 * ProcessWorkload w = ProcessWorkload.of(builder.start())
 *     .computation(spec.computationId())
 *     .timeout(spec.timeout())
 *     .killGrace(Duration.ofSeconds(2))
 *     .sink(output)
 *     .executor(executor)
 *     .begin();
 * }</pre>
 */
public final class ProcessWorkload implements Workload {
  /** How often the process tree is sampled while the process runs. */
  public static final Duration TRACK_INTERVAL = Duration.ofSeconds(1);

  /** The shortest time output may keep flowing after the process exited. */
  private static final Duration MIN_DRAIN = Duration.ofSeconds(1);

  private static final System.Logger LOG = System.getLogger(ProcessWorkload.class.getName());

  /** Linux signal names by number (x86, ARM and RISC-V numbering). */
  private static final String[] SIGNALS = {
    "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
    "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
  };

  private final String label;
  private final String computationId;
  private final Process process;
  private final Duration timeout;
  private final long deadline;
  private final Duration killGrace;
  private final Executor executor;
  private final LinePump stdout;
  private final LinePump stderr;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final AtomicReference<Outcome> ending = new AtomicReference<>();
  private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
  private final List<CompletableFuture<Void>> terminations = new ArrayList<>();
  private CompletableFuture<Void> stdoutDone;
  private CompletableFuture<Void> stderrDone;

  private ProcessWorkload(Builder b) {
    this.label = b.label;
    this.computationId = b.computationId;
    this.process = b.process;
    this.timeout = Objects.requireNonNull(b.timeout, "timeout");
    this.deadline = b.deadline != null ? b.deadline : System.nanoTime() + timeout.toNanos();
    this.killGrace = b.killGrace;
    this.executor = Objects.requireNonNull(b.executor, "executor");
    OutputSink sink = Objects.requireNonNull(b.sink, "sink");
    this.stdout =
        new LinePump(process.getInputStream(), OutputSink.Stream.STDOUT, sink, b.maxLineBytes);
    this.stderr =
        new LinePump(process.getErrorStream(), OutputSink.Stream.STDERR, sink, b.maxLineBytes);
  }

  /**
   * Starts describing the supervision of a process that has just been started.
   *
   * @param process the started process; its stdin is closed by {@link Builder#begin()}
   * @return a builder; {@link Builder#begin()} starts supervising
   */
  public static Builder of(Process process) {
    return new Builder(process);
  }

  /** How to supervise a process; {@link #begin()} starts it. */
  public static final class Builder {
    private final Process process;
    private String label = "algorithm";
    private String computationId = "?";
    private Duration timeout;
    private Long deadline;
    private Duration killGrace = Duration.ofSeconds(2);
    private int maxLineBytes = 65536;
    private OutputSink sink;
    private Executor executor;

    private Builder(Process process) {
      this.process = Objects.requireNonNull(process, "process");
    }

    /**
     * Names the process in results and logs.
     *
     * @param label for example {@code "algorithm"} or {@code "pip install"}
     * @return this builder
     */
    public Builder label(String label) {
      this.label = Objects.requireNonNull(label, "label");
      return this;
    }

    /**
     * Names the computation in log messages.
     *
     * @param computationId the computation the process belongs to
     * @return this builder
     */
    public Builder computation(String computationId) {
      this.computationId = Objects.requireNonNull(computationId, "computationId");
      return this;
    }

    /**
     * Sets the wall-clock limit, counted from {@link #begin()} unless {@link #deadline(long)} is
     * also given. Required.
     *
     * @param timeout the limit, as named in a timed-out result
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets the instant the limit is reached, for a process that is one step of a longer run whose
     * {@link #timeout(Duration)} started earlier.
     *
     * @param nanoTime the deadline as a {@link System#nanoTime()} value
     * @return this builder
     */
    public Builder deadline(long nanoTime) {
      this.deadline = nanoTime;
      return this;
    }

    /**
     * Sets the time between SIGTERM and SIGKILL; also how long output may keep flowing after the
     * process exited. Default 2 s.
     *
     * @param killGrace the grace, not negative
     * @return this builder
     */
    public Builder killGrace(Duration killGrace) {
      if (killGrace.isNegative()) {
        throw new IllegalArgumentException("killGrace must not be negative, was " + killGrace);
      }
      this.killGrace = killGrace;
      return this;
    }

    /**
     * Sets the longest output line delivered in one piece. Default 64 KiB.
     *
     * @param maxLineBytes the limit, at least {@link LineSplitter#MIN_LINE_BYTES}
     * @return this builder
     */
    public Builder maxLineBytes(int maxLineBytes) {
      if (maxLineBytes < LineSplitter.MIN_LINE_BYTES) {
        throw new IllegalArgumentException("maxLineBytes too small: " + maxLineBytes);
      }
      this.maxLineBytes = maxLineBytes;
      return this;
    }

    /**
     * Sets where output lines go. Required.
     *
     * @param sink receives each stdout and stderr line
     * @return this builder
     */
    public Builder sink(OutputSink sink) {
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Sets the executor that runs the pumps, the supervisor and terminations (three tasks that
     * block for the life of the process: use a cached pool, such as {@link
     * RunningWorkloads#executor()}). Required.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Closes the process's stdin (the workload gets no input) and starts the pumps and the
     * supervisor.
     *
     * @return the supervised workload
     * @throws RejectedExecutionException if the executor no longer accepts tasks; the process tree
     *     has been killed then
     * @throws NullPointerException if the timeout, sink or executor is missing
     */
    public ProcessWorkload begin() {
      ProcessWorkload workload = new ProcessWorkload(this);
      workload.begin();
      return workload;
    }
  }

  private void begin() {
    try {
      // The workload gets no input: closing the pipe gives it an immediate end of file.
      process.getOutputStream().close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> "closing stdin of " + label + " failed: " + e);
    }
    try {
      stdoutDone = CompletableFuture.runAsync(stdout, executor);
      stderrDone = CompletableFuture.runAsync(stderr, executor);
      executor.execute(this::supervise);
    } catch (RejectedExecutionException e) {
      stdout.detach();
      stderr.detach();
      ProcessTree.kill(List.of(process.toHandle()));
      throw e;
    }
  }

  /**
   * The supervised process.
   *
   * @return the process handle (for its pid in logs)
   */
  public ProcessHandle handle() {
    return process.toHandle();
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
        LOG.log(Level.INFO, () -> "stopping " + label + " of computation " + computationId);
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
      ProcessTree.kill(withSeen(process.toHandle()));
      outcome = new RunResult(Outcome.STOPPED, -1, label + " was stopped: the runner shut down");
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      ProcessTree.kill(withSeen(process.toHandle()));
      outcome =
          new RunResult(Outcome.FAILED, -1, "runner failed supervising the " + label + ": " + e);
      LOG.log(
          Level.ERROR, "supervising " + label + " of computation " + computationId + " failed", e);
    }
    stdout.detach();
    stderr.detach();
    result.complete(outcome);
  }

  /** Waits for the process to exit, enforcing the time limit; returns its status. */
  private int awaitExit() throws InterruptedException {
    long track = TRACK_INTERVAL.toNanos();
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0 && ending.compareAndSet(null, Outcome.TIMED_OUT)) {
        LOG.log(
            Level.INFO,
            () -> label + " of computation " + computationId + " exceeded its limit " + timeout);
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
   * Waits for both output streams to end, then ends every process left behind: the workload is over
   * once its process exited. Leftovers that hold the output open get the drain period to finish
   * writing first.
   */
  private void awaitOutput() throws InterruptedException {
    CompletableFuture<Void> both = CompletableFuture.allOf(stdoutDone, stderrDone);
    Duration drain = max(killGrace, MIN_DRAIN);
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
              label
                  + " of computation "
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
                  + " is still open after the "
                  + label
                  + " ended; ignoring the rest of it");
    }
  }

  private void awaitTerminations() throws InterruptedException {
    List<CompletableFuture<Void>> pending;
    synchronized (terminations) {
      pending = List.copyOf(terminations);
    }
    await(
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)),
        killGrace.plus(ProcessTree.KILL_WAIT).plusSeconds(1));
  }

  private RunResult resultFor(int status) {
    Outcome requested = ending.get();
    if (requested == Outcome.TIMED_OUT) {
      return new RunResult(Outcome.TIMED_OUT, -1, label + " exceeded its time limit of " + timeout);
    }
    if (requested == Outcome.STOPPED) {
      return new RunResult(Outcome.STOPPED, -1, label + " was stopped");
    }
    if (status == 0) {
      return new RunResult(Outcome.SUCCEEDED, 0, "");
    }
    return new RunResult(Outcome.FAILED, status, describeStatus(label, status));
  }

  /**
   * Names a non-zero exit status. Java reports a death by signal n as status 128+n, exactly like a
   * shell; a program that itself exits with such a status reads the same.
   *
   * @param label what exited, such as {@code "algorithm"}
   * @param status the exit status
   * @return for example "algorithm exited with status 3" or "algorithm was killed by signal 9
   *     (SIGKILL), exit status 137"
   */
  public static String describeStatus(String label, int status) {
    if (status > 128 && status < 128 + 65) {
      int signal = status - 128;
      return label
          + " was killed by signal "
          + signal
          + (signal < SIGNALS.length ? " (SIG" + SIGNALS[signal] + ")" : "")
          + ", exit status "
          + status;
    }
    return label + " exited with status " + status;
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
            ProcessTree.kill(roots);
          } finally {
            done.complete(null);
          }
        };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // The runner is shutting down; a stop must still happen.
      Thread t = new Thread(task, "cocos-runner-stop");
      t.setDaemon(true);
      t.start();
    }
  }

  private void terminate(List<ProcessHandle> roots) throws InterruptedException {
    List<ProcessHandle> survivors = ProcessTree.terminate(roots, killGrace);
    if (!survivors.isEmpty()) {
      LOG.log(
          Level.WARNING,
          () -> "processes of computation " + computationId + " survived SIGKILL: " + survivors);
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
