package ai.cocos.runner.binary.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.runner.support.ChildProcesses;
import ai.cocos.runner.support.ProcessTree;
import ai.cocos.runner.support.ProcessWorkload;
import ai.cocos.runner.support.RunningWorkloads;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Runs algorithms of type {@code bin}: the uploaded file is executed directly as a child process.
 *
 * <ul>
 *   <li>The algorithm must be an ELF executable for this machine or a script starting with {@code
 *       #!} (see {@link ExecutableFormat}); anything else fails to start with "exec format error".
 *   <li>The algorithm file is made executable by its owner if it is not, then started with {@link
 *       RunSpec#args()} as its argument vector: no shell ever sees the arguments.
 *   <li>The working folder is {@link RunSpec#workDir()}; standard input is empty.
 *   <li>The environment is built from nothing: {@code PATH} (configured), {@code HOME} = the
 *       working folder, {@code LANG=C.UTF-8}, then {@link RunSpec#environment()} (which may
 *       override those). The agent's own environment, which may hold secrets, is never passed on.
 *   <li>Standard output and standard error are each read on their own thread and delivered line by
 *       line as produced; see {@link ProcessWorkload}.
 *   <li>Stop and timeout end the process and all its descendants: SIGTERM, then SIGKILL after the
 *       configured grace; see {@link ProcessTree}.
 * </ul>
 *
 * <p>Several workloads may run at once. Deactivating the component (for example when the bundle is
 * updated) stops every running workload, which then completes as {@code STOPPED}.
 */
@Component(
    service = WorkloadRunner.class,
    property = WorkloadRunner.TYPE_PROPERTY + "=" + BinaryRunner.TYPE)
@Designate(ocd = BinaryRunnerConfig.class)
public final class BinaryRunner implements WorkloadRunner {
  /** The algorithm type served; also the bundle's {@code Cocos-Runner-Type} header. */
  static final String TYPE = "bin";

  private static final System.Logger LOG = System.getLogger(BinaryRunner.class.getName());

  private final RunnerSettings settings;
  private final RunningWorkloads running = new RunningWorkloads(TYPE);

  /**
   * Activates the runner with its configuration.
   *
   * @param config the component configuration
   * @throws IllegalArgumentException naming an invalid configuration value
   */
  @Activate
  public BinaryRunner(BinaryRunnerConfig config) {
    this(RunnerSettings.from(config));
  }

  /**
   * Creates a runner with explicit settings (for tests and plain class-path use).
   *
   * @param settings the validated settings
   */
  BinaryRunner(RunnerSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public String type() {
    return TYPE;
  }

  /**
   * Passes on any POSIX host such as Linux: the runner needs no interpreter, engine or daemon, only
   * the ability to start processes and set file permissions.
   *
   * @throws RunnerUnavailableException on a host without POSIX file permissions (such as Windows)
   */
  @Override
  public void checkHost() throws RunnerUnavailableException {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      throw new RunnerUnavailableException(
          "the 'bin' runner needs a POSIX host such as Linux; this is "
              + System.getProperty("os.name"));
    }
  }

  @Override
  public Workload start(RunSpec spec, OutputSink output) throws RunnerException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(output, "output");
    Path algorithm = spec.algorithm().toAbsolutePath().normalize();
    Path workDir = spec.workDir().toAbsolutePath().normalize();
    checkAlgorithm(algorithm);
    if (!Files.isDirectory(workDir)) {
      throw new RunnerException(
          "cannot run algorithm " + algorithm + ": working folder " + workDir + " does not exist");
    }
    ProcessBuilder builder =
        new ProcessBuilder(ChildProcesses.command(List.of(algorithm.toString()), spec.args()));
    builder.directory(workDir.toFile());
    ChildProcesses.cleanEnvironment(
        builder.environment(), settings.path(), workDir, spec.environment());
    return running.start(() -> launch(builder, algorithm, spec, output));
  }

  private ProcessWorkload launch(
      ProcessBuilder builder, Path algorithm, RunSpec spec, OutputSink output)
      throws RunnerException {
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      // The JDK reports exec failures as "Cannot run program ...: error=N, reason" with the
      // errno text in the cause.
      String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      String interpreter = ExecutableFormat.interpreter(algorithm);
      throw new RunnerException(
          "cannot start algorithm "
              + algorithm
              + ": "
              + reason
              + (interpreter.isEmpty() ? "" : " (its #! line names " + interpreter + ")"),
          e);
    }
    ProcessWorkload workload =
        ProcessWorkload.of(process)
            .computation(spec.computationId())
            .timeout(spec.timeout())
            .killGrace(settings.killGrace())
            .maxLineBytes(settings.maxLineBytes())
            .sink(output)
            .executor(running.executor())
            .begin();
    LOG.log(
        Level.INFO,
        () ->
            "started algorithm of computation "
                + spec.computationId()
                + " as pid "
                + process.pid()
                + " with limit "
                + spec.timeout());
    return workload;
  }

  /**
   * Stops every running workload, waits (up to the kill grace plus a few seconds) for their results
   * and releases the threads. Called by the framework when the component goes away, for example
   * when the bundle is updated.
   */
  @Deactivate
  void deactivate() {
    running.shutdown(settings.killGrace().plus(ProcessTree.KILL_WAIT).plusSeconds(2));
  }

  /** Fails unless the algorithm is a regular file that can be executed (making it so if needed). */
  private static void checkAlgorithm(Path algorithm) throws RunnerException {
    if (!Files.exists(algorithm)) {
      throw new RunnerException("algorithm file " + algorithm + " does not exist");
    }
    if (!Files.isRegularFile(algorithm)) {
      throw new RunnerException("algorithm " + algorithm + " is not a regular file");
    }
    ExecutableFormat.check(algorithm);
    if (Files.isExecutable(algorithm)) {
      return;
    }
    try {
      Set<PosixFilePermission> permissions =
          EnumSet.copyOf(Files.getPosixFilePermissions(algorithm));
      permissions.add(PosixFilePermission.OWNER_EXECUTE);
      Files.setPosixFilePermissions(algorithm, permissions);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      throw new RunnerException(
          "algorithm " + algorithm + " is not executable and could not be made so: " + e, e);
    }
  }
}
