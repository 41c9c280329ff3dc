package ai.cocos.runner.python.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.runner.python.internal.Requirements.Requirement;
import ai.cocos.runner.support.ChildProcesses;
import ai.cocos.runner.support.ProcessTree;
import ai.cocos.runner.support.RunningWorkloads;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Runs algorithms of type {@code python}: the uploaded script runs with the operator's interpreter
 * in a fresh virtual environment per computation (see {@link PythonWorkload}).
 *
 * <ul>
 *   <li>Requirements (the optional uploaded requirements file) are installed with pip from the
 *       operator's package sources only: a local wheelhouse ({@code AGENT_PYTHON_WHEELHOUSE})
 *       and/or a package index ({@code AGENT_PYTHON_INDEX_URL}); with neither, pip runs with {@code
 *       --no-index} and a requirement the environment does not already satisfy fails the run,
 *       named. The file itself may not name sources, URLs or options (see {@link Requirements}).
 *   <li>The algorithm's environment is built from nothing ({@code PATH} = the environment's {@code
 *       bin} then the configured {@code PATH}, {@code HOME} = the working folder, {@code
 *       LANG=C.UTF-8}, {@code VIRTUAL_ENV}, {@code PYTHONUNBUFFERED=1}, then the run spec's
 *       variables). No shell is involved anywhere.
 *   <li>Stop and timeout end pip or the algorithm with all their descendants; the environment is
 *       deleted after every run.
 * </ul>
 *
 * <p>Several workloads may run at once. Deactivating the component stops every running workload.
 */
@Component(
    service = WorkloadRunner.class,
    configurationPid = PythonRunner.PID,
    property = WorkloadRunner.TYPE_PROPERTY + "=" + PythonRunner.TYPE)
@Designate(ocd = PythonRunnerConfig.class)
public final class PythonRunner implements WorkloadRunner {
  /** The algorithm type served; also the bundle's {@code Cocos-Runner-Type} header. */
  static final String TYPE = "python";

  /** The configuration PID (the assembly's {@code conf/ai.cocos.runner.python.cfg}). */
  static final String PID = "ai.cocos.runner.python";

  /** The oldest interpreter accepted (venv's {@code --without-pip} and pip 23 both work on it). */
  static final int MIN_MINOR = 8;

  private static final System.Logger LOG = System.getLogger(PythonRunner.class.getName());
  private static final Duration PROBE_LIMIT = Duration.ofSeconds(15);
  private static final String PROBE =
      "import sys\n"
          + "missing = []\n"
          + "for m in ('venv', 'ensurepip'):\n"
          + "    try:\n"
          + "        __import__(m)\n"
          + "    except ImportError:\n"
          + "        missing.append(m)\n"
          + "try:\n"
          + "    import pip\n"
          + "    pip_version = pip.__version__\n"
          + "except Exception:\n"
          + "    pip_version = '-'\n"
          + "print('cocos-probe %d.%d %s %s' % (sys.version_info[0], sys.version_info[1],"
          + " ','.join(missing), pip_version))\n";

  private final PythonSettings settings;
  private final RunningWorkloads running = new RunningWorkloads(TYPE);
  private volatile Boolean hostPip;

  /**
   * Activates the runner with its configuration.
   *
   * @param config the component configuration
   * @throws IllegalArgumentException naming an invalid configuration value
   */
  @Activate
  public PythonRunner(PythonRunnerConfig config) {
    this(PythonSettings.from(config));
  }

  /**
   * Creates a runner with explicit settings (for tests and plain class-path use).
   *
   * @param settings the validated settings
   */
  PythonRunner(PythonSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public String type() {
    return TYPE;
  }

  /**
   * Checks that the interpreter exists, is Python 3.8 or newer and has the {@code venv} and {@code
   * ensurepip} modules (Debian: package {@code python3-venv}), and that a configured wheelhouse is
   * a readable folder.
   *
   * @throws RunnerUnavailableException naming what is missing and what to install or set
   */
  @Override
  public void checkHost() throws RunnerUnavailableException {
    Path interpreter = settings.interpreter();
    String fix =
        "install Debian's python3 and python3-venv (apt-get install python3 python3-venv) or set"
            + " AGENT_PYTHON_INTERPRETER to a Python 3 interpreter";
    if (!Files.isRegularFile(interpreter) || !Files.isExecutable(interpreter)) {
      throw new RunnerUnavailableException(
          "the 'python' runner needs a Python 3 interpreter at "
              + interpreter
              + " (AGENT_PYTHON_INTERPRETER), which "
              + (Files.exists(interpreter) ? "is not an executable file" : "does not exist")
              + ": "
              + fix);
    }
    String answer = probe(interpreter);
    String[] parts = answer.split(" ", -1);
    if (parts.length != 4
        || !parts[0].equals("cocos-probe")
        || !parts[1].matches("[0-9]+\\.[0-9]+")) {
      throw new RunnerUnavailableException(
          "the 'python' runner's interpreter "
              + interpreter
              + " did not answer as a Python 3 interpreter"
              + (answer.isBlank() ? "" : " (it said: " + abbreviate(answer) + ")")
              + ": "
              + fix);
    }
    String[] version = parts[1].split("\\.");
    int major = Integer.parseInt(version[0]);
    int minor = Integer.parseInt(version[1]);
    if (major != 3 || minor < MIN_MINOR) {
      throw new RunnerUnavailableException(
          "the 'python' runner needs Python 3."
              + MIN_MINOR
              + " or newer; "
              + interpreter
              + " is "
              + parts[1]
              + ": "
              + fix);
    }
    if (!parts[2].isEmpty()) {
      throw new RunnerUnavailableException(
          "the 'python' runner's interpreter "
              + interpreter
              + " lacks the module(s) "
              + parts[2]
              + " needed to create virtual environments: install python3-venv (apt-get install"
              + " python3-venv) or set AGENT_PYTHON_INTERPRETER to an interpreter that has them");
    }
    hostPip = pipWithPythonOption(parts[3]);
    if (settings.wheelhouse().isPresent()) {
      Path w = settings.wheelhouse().get();
      if (!Files.isDirectory(w) || !Files.isReadable(w)) {
        throw new RunnerUnavailableException(
            "the 'python' runner's wheelhouse "
                + w
                + " (AGENT_PYTHON_WHEELHOUSE) is not a readable folder");
      }
    }
  }

  @Override
  public Workload start(RunSpec spec, OutputSink output) throws RunnerException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(output, "output");
    Path algorithm = spec.algorithm().toAbsolutePath().normalize();
    Path workDir = spec.workDir().toAbsolutePath().normalize();
    if (!Files.isExecutable(settings.interpreter())) {
      throw new RunnerUnavailableException(
          "the 'python' runner's interpreter "
              + settings.interpreter()
              + " (AGENT_PYTHON_INTERPRETER) is missing");
    }
    if (!Files.isRegularFile(algorithm)) {
      throw new RunnerException(
          "algorithm file "
              + algorithm
              + (Files.exists(algorithm) ? " is not a regular file" : " does not exist"));
    }
    if (!Files.isDirectory(workDir)) {
      throw new RunnerException(
          "cannot run algorithm " + algorithm + ": working folder " + workDir + " does not exist");
    }
    // Checked before anything starts, so a bad argument or requirements line fails at once.
    ChildProcesses.command(List.of(), spec.args());
    ChildProcesses.cleanEnvironment(new HashMap<>(), "", workDir, spec.environment());
    List<Requirement> requirements =
        spec.requirements().isPresent() ? Requirements.read(spec.requirements().get()) : List.of();
    boolean usePip = !requirements.isEmpty() && hostPip();
    PythonWorkload workload =
        running.start(
            () ->
                PythonWorkload.start(
                    spec, settings, output, running.executor(), requirements, usePip));
    LOG.log(
        Level.INFO,
        () ->
            "started Python run of computation "
                + spec.computationId()
                + " ("
                + requirements.size()
                + " requirements) with limit "
                + spec.timeout());
    return workload;
  }

  /**
   * Stops every running workload and waits (up to the kill grace plus a few seconds) for their
   * results. Called by the framework when the component goes away.
   */
  @Deactivate
  void deactivate() {
    running.shutdown(settings.killGrace().plus(ProcessTree.KILL_WAIT).plusSeconds(2));
  }

  /**
   * Whether the interpreter's own pip can install into an environment made without pip (pip 22.3
   * added {@code --python}): that saves each run the seconds {@code ensurepip} takes to copy pip
   * into the environment. Probed once.
   */
  private boolean hostPip() {
    Boolean known = hostPip;
    if (known == null) {
      try {
        checkHost();
      } catch (RunnerUnavailableException e) {
        hostPip = false; // the venv step will fail and say why
      }
      known = hostPip;
    }
    return Boolean.TRUE.equals(known);
  }

  /** pip 22.3 or newer: it has {@code --python}. */
  static boolean pipWithPythonOption(String version) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^([0-9]+)\\.([0-9]+)").matcher(version);
    if (!m.find()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    return major > 22 || (major == 22 && minor >= 3);
  }

  /** Runs the probe script with the interpreter; returns its first output line or its error. */
  private static String probe(Path interpreter) throws RunnerUnavailableException {
    ProcessBuilder builder = new ProcessBuilder(interpreter.toString(), "-c", PROBE);
    builder.redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("LANG", "C.UTF-8");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      throw new RunnerUnavailableException(
          "the 'python' runner cannot start its interpreter " + interpreter + ": " + reason);
    }
    try (InputStream in = process.getInputStream()) {
      process.getOutputStream().close();
      if (!process.waitFor(PROBE_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new RunnerUnavailableException(
            "the 'python' runner's interpreter "
                + interpreter
                + " did not answer within "
                + PROBE_LIMIT.toSeconds()
                + " s");
      }
      String out = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
      for (String line : out.split("\r?\n")) {
        if (line.startsWith("cocos-probe ")) {
          return line; // not stripped: an empty module list is the trailing field
        }
      }
      return out.strip();
    } catch (IOException e) {
      throw new RunnerUnavailableException(
          "the 'python' runner could not read its interpreter's answer: " + e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new RunnerUnavailableException("interrupted while checking the Python interpreter");
    }
  }

  private static String abbreviate(String s) {
    String one = s.replace('\n', ' ').strip();
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }
}
