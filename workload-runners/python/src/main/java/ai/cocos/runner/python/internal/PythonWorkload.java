package ai.cocos.runner.python.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.python.internal.Requirements.Requirement;
import ai.cocos.runner.support.ChildProcesses;
import ai.cocos.runner.support.ProcessWorkload;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One Python run: three processes in sequence, each supervised by a {@link ProcessWorkload} under
 * one overall deadline.
 *
 * <ol>
 *   <li>{@code INTERPRETER -m venv [--system-site-packages] [--without-pip] WORK/.venv}: a fresh
 *       environment for this computation (with its own pip only when there are requirements and the
 *       interpreter's pip cannot install into it);
 *   <li>{@code INTERPRETER -m pip --python .venv/bin/python --isolated install ... -r
 *       requirements.txt} (or the environment's own pip when the interpreter's is missing or older
 *       than 22.3) with the operator's package sources only ({@code --no-index} unless an index is
 *       configured), when the requirements file names anything;
 *   <li>{@code .venv/bin/python -u ALGORITHM ARGS...} in the working folder, unbuffered so that
 *       output lines arrive as they are printed.
 * </ol>
 *
 * The set-up steps' output reaches the sink prefixed with {@value #SETUP_PREFIX}, so users can tell
 * it from the algorithm's. {@link #stop()} ends whichever step runs (and everything it started) and
 * no further step starts. The environment is deleted before the result completes, whatever the
 * outcome.
 */
final class PythonWorkload implements Workload {
  /** Marks the output of the set-up steps (venv and pip). */
  static final String SETUP_PREFIX = "[setup] ";

  /** The environment's folder inside the working folder. */
  static final String VENV = ".venv";

  private static final System.Logger LOG = System.getLogger(PythonWorkload.class.getName());
  private static final int KEPT_SETUP_LINES = 400;

  private enum Step {
    VENV("python -m venv"),
    PIP("pip install"),
    ALGORITHM("algorithm");

    final String label;

    Step(String label) {
      this.label = label;
    }
  }

  private final RunSpec spec;
  private final PythonSettings settings;
  private final OutputSink sink;
  private final Executor executor;
  private final List<Requirement> requirements;
  private final boolean hostPip;
  private final Path workDir;
  private final Path venv;
  private final long deadline;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final Deque<String> setupOutput = new ArrayDeque<>();
  private final Object lock = new Object();
  private Workload current;
  private boolean stopped;

  private PythonWorkload(
      RunSpec spec,
      PythonSettings settings,
      OutputSink sink,
      Executor executor,
      List<Requirement> requirements,
      boolean hostPip) {
    this.spec = spec;
    this.settings = settings;
    this.sink = sink;
    this.executor = executor;
    this.requirements = requirements;
    this.hostPip = hostPip;
    this.workDir = spec.workDir().toAbsolutePath().normalize();
    this.venv = workDir.resolve(VENV);
    this.deadline = System.nanoTime() + spec.timeout().toNanos();
  }

  /**
   * Starts the run: the environment's creation starts before this returns.
   *
   * @param spec what to run
   * @param settings the runner's settings
   * @param sink receives the output
   * @param executor runs supervisors and pumps
   * @param requirements the checked requirements (empty: no pip step)
   * @param hostPip whether the interpreter's own pip installs them ({@code pip --python}), so the
   *     environment needs no copy of pip
   * @return the started workload
   * @throws RunnerException if the interpreter cannot be started; nothing runs then
   */
  static PythonWorkload start(
      RunSpec spec,
      PythonSettings settings,
      OutputSink sink,
      Executor executor,
      List<Requirement> requirements,
      boolean hostPip)
      throws RunnerException {
    PythonWorkload w = new PythonWorkload(spec, settings, sink, executor, requirements, hostPip);
    try {
      deleteTree(w.venv); // a leftover of an interrupted earlier run
    } catch (IOException e) {
      throw new RunnerException(
          "cannot remove the old virtual environment " + w.venv + ": " + e, e);
    }
    w.run(Step.VENV);
    return w;
  }

  @Override
  public CompletionStage<RunResult> result() {
    return result.minimalCompletionStage();
  }

  @Override
  public void stop() {
    Workload w;
    synchronized (lock) {
      if (stopped || result.isDone()) {
        return;
      }
      stopped = true;
      w = current;
    }
    LOG.log(Level.INFO, () -> "stopping Python run of computation " + spec.computationId());
    if (w != null) {
      w.stop();
    }
  }

  /** Starts a step; its end starts the next one. */
  private void run(Step step) throws RunnerException {
    ProcessBuilder builder = new ProcessBuilder(command(step));
    builder.directory(workDir.toFile());
    environment(step, builder.environment());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      throw new RunnerException(
          "cannot start " + builder.command().get(0) + " (" + step.label + "): " + reason, e);
    }
    ProcessWorkload w =
        ProcessWorkload.of(process)
            .label(step.label)
            .computation(spec.computationId())
            .timeout(spec.timeout())
            .deadline(deadline)
            .killGrace(settings.killGrace())
            .maxLineBytes(settings.maxLineBytes())
            .sink(step == Step.ALGORITHM ? sink : this::setupLine)
            .executor(executor)
            .begin();
    synchronized (lock) {
      current = w;
      if (stopped) {
        w.stop(); // a stop arrived while the process was starting
      }
    }
    w.result().whenComplete((r, e) -> ended(step, r));
  }

  private void ended(Step step, RunResult r) {
    if (step == Step.ALGORITHM || !r.succeeded()) {
      finish(step == Step.ALGORITHM ? r : setupFailure(step, r));
      return;
    }
    Step next = step == Step.VENV && !requirements.isEmpty() ? Step.PIP : Step.ALGORITHM;
    synchronized (lock) {
      current = null;
      if (stopped) {
        finish(new RunResult(Outcome.STOPPED, -1, "algorithm was stopped"));
        return;
      }
    }
    if (System.nanoTime() - deadline >= 0) {
      finish(timedOut(" while its Python environment was being set up"));
      return;
    }
    try {
      run(next);
    } catch (RunnerException | RuntimeException e) {
      finish(new RunResult(Outcome.FAILED, -1, e.getMessage()));
    }
  }

  private RunResult setupFailure(Step step, RunResult r) {
    String during =
        step == Step.PIP
            ? " while installing its requirements"
            : " while its Python environment was being set up";
    return switch (r.outcome()) {
      case TIMED_OUT -> timedOut(during);
      case STOPPED -> new RunResult(Outcome.STOPPED, -1, "algorithm was stopped" + during);
      default -> {
        List<String> lines;
        synchronized (setupOutput) {
          lines = new ArrayList<>(setupOutput);
        }
        String reason =
            step == Step.PIP
                ? PipFailure.reason(lines, settings, r.exitCode())
                : "could not create the Python virtual environment with "
                    + settings.interpreter()
                    + ": "
                    + r.reason()
                    + lastError(lines);
        yield new RunResult(Outcome.FAILED, r.exitCode(), reason);
      }
    };
  }

  private RunResult timedOut(String during) {
    return new RunResult(
        Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of " + spec.timeout() + during);
  }

  private void finish(RunResult r) {
    try {
      deleteTree(venv);
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          () -> "could not remove the virtual environment " + venv + " (the agent wipes it): " + e);
    }
    synchronized (lock) {
      current = null;
    }
    result.complete(r);
  }

  private List<String> command(Step step) throws RunnerException {
    Path python = venv.resolve("bin").resolve("python");
    return switch (step) {
      case VENV -> {
        List<String> c = new ArrayList<>(List.of(settings.interpreter().toString(), "-m", "venv"));
        if (settings.systemSitePackages()) {
          c.add("--system-site-packages");
        }
        if (requirements.isEmpty() || hostPip) {
          c.add("--without-pip"); // ensurepip takes seconds; nothing needs a copy of pip then
        }
        c.add(venv.toString());
        yield c;
      }
      case PIP -> pipCommand(python);
      case ALGORITHM ->
          ChildProcesses.command(
              List.of(
                  python.toString(),
                  "-u",
                  spec.algorithm().toAbsolutePath().normalize().toString()),
              spec.args());
    };
  }

  private List<String> pipCommand(Path python) {
    List<String> c = new ArrayList<>();
    if (hostPip) {
      c.addAll(
          List.of(settings.interpreter().toString(), "-m", "pip", "--python", python.toString()));
    } else {
      c.addAll(List.of(python.toString(), "-m", "pip"));
    }
    c.addAll(
        List.of(
            // Ignore PIP_* variables and every pip.conf: the operator's settings alone decide.
            "--isolated",
            "install",
            "--no-input",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--progress-bar",
            "off"));
    if (settings.onlyBinary()) {
      c.addAll(List.of("--only-binary", ":all:"));
    }
    if (settings.requireHashes()) {
      c.add("--require-hashes");
    }
    if (settings.indexUrl().isPresent()) {
      c.addAll(List.of("--index-url", settings.indexUrl().get().toString()));
    } else {
      c.add("--no-index");
    }
    settings.wheelhouse().ifPresent(w -> c.addAll(List.of("--find-links", w.toString())));
    c.addAll(List.of("-r", spec.requirements().orElseThrow().toAbsolutePath().toString()));
    return c;
  }

  private void environment(Step step, Map<String, String> env) throws RunnerException {
    if (step == Step.ALGORITHM) {
      ChildProcesses.cleanEnvironment(
          env, venv.resolve("bin") + ":" + settings.path(), workDir, spec.environment());
      env.putIfAbsent("VIRTUAL_ENV", venv.toString());
      env.putIfAbsent("PYTHONUNBUFFERED", "1");
    } else {
      // Set-up gets none of the run spec's variables: they are the algorithm's.
      ChildProcesses.cleanEnvironment(env, settings.path(), workDir, Map.of());
      env.put("PYTHONNOUSERSITE", "1");
    }
  }

  private void setupLine(OutputSink.Stream stream, String line) {
    synchronized (setupOutput) {
      if (setupOutput.size() == KEPT_SETUP_LINES) {
        setupOutput.removeFirst();
      }
      setupOutput.addLast(line);
    }
    sink.line(stream, SETUP_PREFIX + line);
  }

  /** The last line that looks like an error, as a suffix for a reason. */
  private static String lastError(List<String> lines) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      String l = lines.get(i).strip();
      if (l.startsWith("Error") || l.startsWith("ERROR") || l.contains("Error:")) {
        return " (" + l + ")";
      }
    }
    return "";
  }

  /** Deletes a folder tree without following symbolic links (a venv holds some). */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  @Override
  public String toString() {
    return "Python run of computation " + Objects.toString(spec.computationId());
  }
}
