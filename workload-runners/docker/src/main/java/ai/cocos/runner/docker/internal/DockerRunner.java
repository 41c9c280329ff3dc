package ai.cocos.runner.docker.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.runner.support.ChildProcesses;
import ai.cocos.runner.support.RunningWorkloads;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Runs algorithms of type {@code docker}: the uploaded file is an image archive ({@code docker save
 * IMAGE -o image.tar}), run in a container engine through the Docker Engine API on a unix socket
 * ({@code AGENT_DOCKER_HOST}; dockerd or podman's Docker-compatible service).
 *
 * <ul>
 *   <li>The archive must hold exactly one image; it is loaded (streamed from disk) and THE image it
 *       holds is run, identified by content (see {@link ImageArchive}), not the first tagged image
 *       the engine lists.
 *   <li>The container {@code cocos-<computation id>} sees the datasets read-only at {@code
 *       /cocos/datasets} and writes to {@code /cocos/results}, working folder {@code /cocos}
 *       (CocosAI's paths). The manifest's arguments follow the image's program (see {@link
 *       ContainerSpec#command}); no shell sees them.
 *   <li>Isolation by default: no network, every capability dropped, no new privileges, a private
 *       IPC namespace, a process limit, optional memory and CPU limits, and the agent's own uid:gid
 *       so results stay readable by the agent (settings in {@link DockerRunnerConfig}).
 *   <li>Output is read from the container's attached stdout and stderr, line by line as produced;
 *       the engine keeps no log of it.
 *   <li>A non-zero exit code fails the run with that code (an out-of-memory kill says so); a stop
 *       or the time limit stops the container (SIGTERM, then SIGKILL after the grace).
 *   <li>The container and the image are removed afterwards, whatever happened.
 * </ul>
 *
 * <p>Several workloads may run at once (one per computation). Deactivating the component stops
 * every running workload.
 */
@Component(
    service = WorkloadRunner.class,
    configurationPid = DockerRunner.PID,
    property = WorkloadRunner.TYPE_PROPERTY + "=" + DockerRunner.TYPE)
@Designate(ocd = DockerRunnerConfig.class)
public final class DockerRunner implements WorkloadRunner {
  /** The algorithm type served; also the bundle's {@code Cocos-Runner-Type} header. */
  static final String TYPE = "docker";

  /** The configuration PID ({@code conf/ai.cocos.runner.docker.cfg} in the agent assembly). */
  static final String PID = "ai.cocos.runner.docker";

  /** Prefix of container names; the rest is the computation's ID. */
  static final String NAME_PREFIX = "cocos-";

  private static final String HOW_TO_START =
      "start a container engine (dockerd, or 'podman system service --time=0"
          + " unix:///var/run/docker.sock') or point AGENT_DOCKER_HOST at its socket";

  /** The longest the host check waits for one engine answer. */
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

  private static final System.Logger LOG = System.getLogger(DockerRunner.class.getName());

  private final DockerSettings settings;
  private final EngineClient client;
  private final EngineClient checker;
  private final ScheduledExecutorService timer;
  private final RunningWorkloads running = new RunningWorkloads(TYPE);
  private final Set<String> names = ConcurrentHashMap.newKeySet();

  /**
   * Activates the runner with its configuration.
   *
   * @param config the component configuration
   * @throws IllegalArgumentException naming an invalid configuration value
   */
  @Activate
  public DockerRunner(DockerRunnerConfig config) {
    this(DockerSettings.from(config));
  }

  /**
   * Creates a runner with explicit settings (for tests and plain class-path use).
   *
   * @param settings the validated settings
   */
  DockerRunner(DockerSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread th = Executors.defaultThreadFactory().newThread(task);
              th.setName("cocos-runner-docker-timer");
              th.setDaemon(true);
              return th;
            });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.client = new EngineClient(settings.host(), settings.apiTimeout(), timer);
    // The host check runs while the plugin registry binds the runner: a hung engine must not hold
    // that up for long.
    Duration check =
        settings.apiTimeout().compareTo(CHECK_TIMEOUT) < 0 ? settings.apiTimeout() : CHECK_TIMEOUT;
    this.checker = new EngineClient(settings.host(), check, timer);
  }

  @Override
  public String type() {
    return TYPE;
  }

  /**
   * Checks that the engine's socket exists and the engine answers {@code GET /_ping} with an API
   * version the runner speaks.
   *
   * @throws RunnerUnavailableException naming {@code AGENT_DOCKER_HOST} and how to start an engine
   */
  @Override
  public void checkHost() throws RunnerUnavailableException {
    Path socket = client.socket();
    requireSocket(socket);
    try {
      checker.ping();
      String engine = checker.negotiate();
      LOG.log(Level.INFO, () -> "docker runner: " + engine + " at " + settings.host());
    } catch (IOException e) {
      throw new RunnerUnavailableException(
          "the 'docker' runner cannot use the container engine at "
              + settings.host()
              + " (AGENT_DOCKER_HOST): "
              + (e.getMessage() != null ? e.getMessage() : e.toString())
              + "; "
              + HOW_TO_START);
    }
  }

  private void requireSocket(Path socket) throws RunnerUnavailableException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(socket, BasicFileAttributes.class);
    } catch (IOException e) {
      throw new RunnerUnavailableException(
          "the 'docker' runner finds no container engine: "
              + socket
              + " (AGENT_DOCKER_HOST="
              + settings.host()
              + ") does not exist; "
              + HOW_TO_START);
    }
    if (!a.isOther()) {
      throw new RunnerUnavailableException(
          "the 'docker' runner finds no container engine: "
              + socket
              + " (AGENT_DOCKER_HOST) is not a socket; "
              + HOW_TO_START);
    }
  }

  @Override
  public Workload start(RunSpec spec, OutputSink output) throws RunnerException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(output, "output");
    Path algorithm = spec.algorithm().toAbsolutePath().normalize();
    if (!Files.isRegularFile(algorithm)) {
      throw new RunnerException(
          "algorithm file " + algorithm + " does not exist or is not a regular file");
    }
    Path datasets = folder(spec.datasetsDir(), "datasets");
    Path results = folder(spec.resultsDir(), "results");
    ChildProcesses.command(List.of(), spec.args()); // refuses NUL in arguments
    List<String> env = environment(spec.environment());
    String user = user(results);
    // Quick and local: the header scan reads no layer data.
    ImageArchive archive = ImageArchive.read(algorithm);
    requireSocket(client.socket());
    if (spec.requirements().isPresent()) {
      LOG.log(
          Level.INFO,
          () ->
              "computation "
                  + spec.computationId()
                  + ": the requirements file is not used by the docker runner (the image holds"
                  + " what the algorithm needs)");
    }
    String name = containerName(spec.computationId());
    if (!names.add(name)) {
      throw new RunnerException(
          "computation " + spec.computationId() + " is already running in the docker runner");
    }
    try {
      DockerWorkload workload =
          running.start(
              () -> {
                DockerWorkload w =
                    new DockerWorkload(
                        spec.computationId(),
                        algorithm,
                        archive,
                        name,
                        spec.args(),
                        env,
                        user,
                        datasets,
                        results,
                        spec.timeout(),
                        output,
                        settings,
                        client,
                        running.executor(),
                        timer);
                w.begin();
                return w;
              });
      workload.result().whenComplete((r, e) -> names.remove(name));
      LOG.log(
          Level.INFO,
          () ->
              "started docker run of computation "
                  + spec.computationId()
                  + " (image "
                  + archive.imageId()
                  + ", container "
                  + name
                  + ") with limit "
                  + spec.timeout());
      return workload;
    } catch (RunnerException | RuntimeException e) {
      names.remove(name);
      throw e;
    }
  }

  /**
   * Stops every running workload and waits (up to the kill grace plus a few engine calls) for their
   * results, so that their containers and images are removed before the bundle goes.
   */
  @Deactivate
  void deactivate() {
    running.shutdown(
        Duration.ofSeconds(settings.killGraceSeconds()).plus(settings.apiTimeout()).plusSeconds(5));
    timer.shutdownNow();
  }

  /**
   * The container name: {@code cocos-} and the computation's ID, with characters a container name
   * cannot hold ({@code [a-zA-Z0-9_.-]} only) replaced by {@code _}.
   *
   * @param computationId the computation
   * @return the name
   */
  static String containerName(String computationId) {
    StringBuilder sb = new StringBuilder(NAME_PREFIX);
    for (char c : computationId.toCharArray()) {
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == '-';
      sb.append(ok ? c : '_');
    }
    return sb.toString();
  }

  private static Path folder(Path dir, String what) throws RunnerException {
    Path p = dir.toAbsolutePath().normalize();
    try {
      Path real = p.toRealPath();
      if (!Files.isDirectory(real)) {
        throw new RunnerException("the " + what + " folder " + p + " is not a folder");
      }
      return real;
    } catch (IOException e) {
      throw new RunnerException("the " + what + " folder " + p + " does not exist");
    }
  }

  /** The container's user: by default the owner of the results folder, i.e. the agent. */
  private String user(Path results) throws RunnerException {
    String configured = settings.user();
    if (configured.equals(DockerSettings.IMAGE_USER)) {
      return "";
    }
    if (!configured.isEmpty()) {
      return configured;
    }
    try {
      Object uid = Files.getAttribute(results, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      Object gid = Files.getAttribute(results, "unix:gid", LinkOption.NOFOLLOW_LINKS);
      return uid + ":" + gid;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      throw new RunnerException(
          "cannot tell the owner of the results folder "
              + results
              + " to run the container as ("
              + e
              + "); set AGENT_DOCKER_USER to uid:gid");
    }
  }

  /** The run spec's variables as {@code NAME=value}, checked like a child process's. */
  private static List<String> environment(Map<String, String> extra) throws RunnerException {
    Map<String, String> checked = new LinkedHashMap<>();
    ChildProcesses.cleanEnvironment(checked, "", Path.of("/"), extra);
    List<String> env = new ArrayList<>(extra.size());
    for (String name : extra.keySet()) {
      env.add(name + "=" + checked.get(name));
    }
    return env;
  }
}
