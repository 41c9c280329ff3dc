package ai.cocos.runner.docker.internal;

import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunResult.Outcome;
import ai.cocos.api.runner.Workload;
import ai.cocos.runner.support.LineSplitter;
import ai.cocos.runner.support.ProcessWorkload;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One docker run: load the image archive, create the container, attach to its output, start it,
 * wait for it, and always remove the container and the image afterwards.
 *
 * <p>All steps run on one supervisor thread; the output is pumped on a second. The time limit
 * counts from {@link #begin()} and covers the image load too. A stop or the time limit during the
 * load aborts the upload; once the container runs, it is stopped (SIGTERM, SIGKILL after the grace)
 * and the wait returns. The result completes after the output has reached the sink and the
 * container and image are gone.
 */
final class DockerWorkload implements Workload {
  private static final System.Logger LOG = System.getLogger(DockerWorkload.class.getName());

  /** How long output may keep arriving after the container exited. */
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private final String computationId;
  private final Path archivePath;
  private final ImageArchive archive;
  private final String containerName;
  private final List<String> args;
  private final List<String> env;
  private final String user;
  private final Path datasets;
  private final Path results;
  private final Duration timeout;
  private final DockerSettings settings;
  private final EngineClient client;
  private final Executor executor;
  private final ScheduledExecutorService timer;
  private final LineSplitter stdout;
  private final LineSplitter stderr;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final AtomicReference<Outcome> ending = new AtomicReference<>();
  private final Object engineLock = new Object();
  private volatile String step = "connecting to the engine";
  private volatile UnixHttpConnection loading;
  private volatile UnixHttpConnection waiting;
  private volatile String containerId;
  private volatile boolean createUncertain;
  private boolean started; // guarded by engineLock
  private boolean stopRequested; // guarded by engineLock
  private volatile ScheduledFuture<?> limit;

  /**
   * Prepares a run; {@link #begin()} starts it.
   *
   * @param computationId the computation
   * @param archivePath the uploaded image archive
   * @param archive what the archive holds
   * @param containerName the container's name
   * @param args the manifest's arguments
   * @param env the environment, {@code NAME=value}
   * @param user the container's user, or empty for the image's
   * @param datasets host folder of the datasets
   * @param results host folder of the results
   * @param timeout the time limit
   * @param sink receives the output lines
   * @param settings the runner's settings
   * @param client the engine
   * @param executor runs the supervisor and the output pump
   * @param timer runs the time limit
   */
  DockerWorkload(
      String computationId,
      Path archivePath,
      ImageArchive archive,
      String containerName,
      List<String> args,
      List<String> env,
      String user,
      Path datasets,
      Path results,
      Duration timeout,
      OutputSink sink,
      DockerSettings settings,
      EngineClient client,
      Executor executor,
      ScheduledExecutorService timer) {
    this.computationId = Objects.requireNonNull(computationId, "computationId");
    this.archivePath = Objects.requireNonNull(archivePath, "archivePath");
    this.archive = Objects.requireNonNull(archive, "archive");
    this.containerName = Objects.requireNonNull(containerName, "containerName");
    this.args = List.copyOf(args);
    this.env = List.copyOf(env);
    this.user = Objects.requireNonNull(user, "user");
    this.datasets = Objects.requireNonNull(datasets, "datasets");
    this.results = Objects.requireNonNull(results, "results");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.client = Objects.requireNonNull(client, "client");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.timer = Objects.requireNonNull(timer, "timer");
    this.stdout = new LineSplitter(OutputSink.Stream.STDOUT, sink, settings.maxLineBytes());
    this.stderr = new LineSplitter(OutputSink.Stream.STDERR, sink, settings.maxLineBytes());
  }

  /**
   * Starts the supervisor and the time limit.
   *
   * @throws RejectedExecutionException if the runner is shutting down; nothing was started then
   */
  void begin() {
    limit = timer.schedule(() -> end(Outcome.TIMED_OUT), timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      executor.execute(this::supervise);
    } catch (RejectedExecutionException e) {
      limit.cancel(false);
      throw e;
    }
  }

  @Override
  public CompletionStage<RunResult> result() {
    return result.minimalCompletionStage();
  }

  @Override
  public void stop() {
    end(Outcome.STOPPED);
  }

  /** The container's name in the engine. */
  String containerName() {
    return containerName;
  }

  /** Ends the run for a stop or the time limit; returns at once. */
  private void end(Outcome why) {
    if (result.isDone() || !ending.compareAndSet(null, why)) {
      return;
    }
    LOG.log(
        Level.INFO,
        () ->
            "docker run of computation "
                + computationId
                + (why == Outcome.TIMED_OUT ? " exceeded its limit " + timeout : " is stopped")
                + " while "
                + step);
    UnixHttpConnection upload = loading;
    if (upload != null) {
      upload.close(); // the engine drops a load whose upload breaks off
    }
    boolean stopNow;
    synchronized (engineLock) {
      stopRequested = true;
      stopNow = started;
    }
    if (stopNow) {
      stopContainerAsync();
    }
  }

  private void stopContainerAsync() {
    Runnable task = this::stopContainer;
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      Thread t = new Thread(task, "cocos-runner-docker-stop");
      t.setDaemon(true);
      t.start();
    }
  }

  private void stopContainer() {
    String id = containerId;
    try {
      client.stopContainer(id, settings.killGraceSeconds());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "stopping container " + containerName + " failed: " + e.getMessage());
      try {
        client.removeContainer(id); // forced: kills it
      } catch (IOException again) {
        LOG.log(
            Level.ERROR,
            "container " + containerName + " could not be killed: " + again.getMessage());
        // An engine that answers nothing: stop waiting for it, so the run still ends.
        UnixHttpConnection w = waiting;
        if (w != null) {
          w.close();
        }
      }
    }
  }

  private void supervise() {
    RunResult outcome;
    String imageId = archive.imageId();
    boolean removeImage = false;
    CompletableFuture<Void> pump = null;
    UnixHttpConnection attach = null;
    try {
      client.ensureNegotiated();
      step = "loading the image";
      removeImage = client.inspectImage(imageId) == null; // never remove what was there before
      checkEnding();
      List<String> loaded = load();
      checkEnding();
      Map<String, Object> image = resolve(loaded);
      String loadedId = Json.string(image, "Id");
      if (loadedId == null) {
        throw new EngineException(0, "the engine's image inspection has no Id");
      }
      imageId = loadedId;
      if (!imageId.equals(archive.imageId())) {
        removeImage = true; // an engine that names images differently (containerd image store)
      }
      step = "creating the container";
      List<String> command =
          ContainerSpec.command(
              Json.strings(image, "Config", "Entrypoint"),
              Json.strings(image, "Config", "Cmd"),
              args);
      Map<String, Object> spec =
          ContainerSpec.build(
              imageId, command, env, user, datasets, results, computationId, settings);
      containerId = create(spec);
      checkEnding();
      step = "attaching to the container's output";
      attach = client.connect();
      InputStream frames = client.attach(attach, containerId);
      pump = CompletableFuture.runAsync(() -> pump(frames), executor);
      step = "starting the container";
      start();
      step = "running";
      long code;
      try (UnixHttpConnection wait = client.connect()) {
        waiting = wait;
        code = client.waitContainer(wait, containerId);
      } finally {
        waiting = null;
      }
      step = "collecting the output";
      drain(pump, attach);
      outcome = resultFor(code, client.inspectContainer(containerId));
    } catch (Ended e) {
      outcome = endedResult();
    } catch (IOException e) {
      outcome = ending.get() != null ? endedResult() : failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ending.compareAndSet(null, Outcome.STOPPED);
      outcome = new RunResult(Outcome.STOPPED, -1, "algorithm was stopped: the runner shut down");
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "docker run of computation " + computationId + " failed", e);
      outcome = new RunResult(Outcome.FAILED, -1, "docker runner failed " + step + ": " + e);
    }
    if (attach != null) {
      attach.close();
    }
    cleanUp(imageId, removeImage);
    stdout.detach();
    stderr.detach();
    if (limit != null) {
      limit.cancel(false);
    }
    result.complete(outcome);
  }

  /** Uploads the archive; a stop or the time limit closes the upload. */
  private List<String> load() throws IOException, Ended {
    UnixHttpConnection c = client.connect();
    loading = c;
    try {
      if (ending.get() != null) {
        throw new Ended();
      }
      return client.loadImage(c, archivePath);
    } catch (ClosedChannelException e) {
      if (ending.get() != null) {
        throw new Ended();
      }
      throw e;
    } finally {
      loading = null;
      c.close();
    }
  }

  /**
   * Finds THE image this archive loaded. By ID where the engine names images by their config's
   * digest (dockerd's classic store, podman); else by the names the load reported. Either way the
   * image's layers must be the archive's: a name re-tagged by another load meanwhile is refused
   * rather than run.
   */
  private Map<String, Object> resolve(List<String> loaded) throws IOException {
    Map<String, Object> byId = client.inspectImage(archive.imageId());
    if (byId != null) {
      requireArchiveLayers(byId, archive.imageId());
      return byId;
    }
    Set<String> refs = new LinkedHashSet<>();
    for (String line : loaded) {
      int colon = line.indexOf(": ");
      if (line.startsWith("Loaded image") && colon > 0) {
        refs.add(line.substring(colon + 2).trim());
      }
    }
    List<String> mismatched = new ArrayList<>();
    for (String ref : refs) {
      Map<String, Object> image = client.inspectImage(ref);
      if (image != null && archive.diffIds().equals(Json.strings(image, "RootFS", "Layers"))) {
        return image;
      }
      mismatched.add(ref);
    }
    throw new EngineException(
        0,
        "the engine loaded the archive but holds no image with its content ("
            + archive.imageId()
            + "); the load reported "
            + (loaded.isEmpty() ? "nothing" : String.join(", ", loaded))
            + (mismatched.isEmpty() ? "" : ", whose layers differ (re-tagged meanwhile?)"));
  }

  private void requireArchiveLayers(Map<String, Object> image, String ref) throws IOException {
    List<String> layers = Json.strings(image, "RootFS", "Layers");
    if (!archive.diffIds().equals(layers)) {
      throw new EngineException(
          0,
          "image "
              + ref
              + " in the engine has layers "
              + layers
              + ", the archive "
              + archive.diffIds());
    }
  }

  /**
   * Creates the container. A leftover of this runner under the same name (an agent that crashed
   * mid-run) is removed first; anything else under that name is left alone and the run fails.
   */
  private String create(Map<String, Object> spec) throws IOException {
    try {
      return tryCreate(spec);
    } catch (EngineException e) {
      // dockerd answers 409; podman 4 answers 500 "... is already in use".
      boolean nameTaken =
          e.status() == 409 || e.status() == 500 && e.getMessage().contains("already in use");
      if (!nameTaken) {
        throw e;
      }
      Map<String, Object> existing = client.inspectContainer(containerName);
      if (existing == null
          || !DockerRunner.TYPE.equals(
              Json.string(existing, "Config", "Labels", ContainerSpec.RUNNER_LABEL))) {
        throw new EngineException(
            409,
            "a container named "
                + containerName
                + " exists and was not made by the docker runner; remove it or use another"
                + " engine");
      }
      LOG.log(
          Level.WARNING,
          "removing container " + containerName + " left behind by an earlier run of the agent");
      client.removeContainer(containerName);
      return tryCreate(spec);
    }
  }

  /** Creates the container, noting when the engine may have created it without saying so. */
  private String tryCreate(Map<String, Object> spec) throws IOException {
    try {
      return client.createContainer(containerName, spec);
    } catch (EngineException e) {
      createUncertain |= e.status() == 0; // no answer in time
      throw e;
    } catch (IOException e) {
      createUncertain = true; // the connection broke off
      throw e;
    }
  }

  /**
   * Starts the container. No lock is held during the call (the timer that ends runs must never wait
   * on the engine); a stop that arrives while the call is under way is carried out after it.
   */
  private void start() throws IOException {
    synchronized (engineLock) {
      if (stopRequested) {
        throw new IOException("stopped before start");
      }
    }
    client.startContainer(containerId);
    boolean stopNow;
    synchronized (engineLock) {
      started = true;
      stopNow = stopRequested;
    }
    if (stopNow) {
      stopContainerAsync();
    }
  }

  /** Reads the container's output until it ends; the supervisor waits for this. */
  private void pump(InputStream frames) {
    try {
      StreamFrames.copy(frames, stdout, stderr);
    } catch (IOException e) {
      if (!result.isDone()) {
        LOG.log(
            Level.DEBUG,
            () -> "output of computation " + computationId + " ended early: " + e.getMessage());
      }
    }
  }

  /** Waits for the output to end after the container exited; gives up after {@link #DRAIN}. */
  private void drain(CompletableFuture<Void> pump, UnixHttpConnection attach)
      throws InterruptedException {
    try {
      pump.get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.log(
          Level.WARNING,
          "output of computation "
              + computationId
              + " still open "
              + DRAIN.toSeconds()
              + " s after the container exited; ignoring the rest");
      attach.close();
    } catch (ExecutionException e) {
      // the pump does not throw
    }
  }

  private RunResult resultFor(long code, Map<String, Object> inspection) {
    Outcome requested = ending.get();
    if (requested != null) {
      return endedResult();
    }
    boolean oom = Boolean.TRUE.equals(Json.at(inspection, "State", "OOMKilled"));
    if (code == 0) {
      if (oom) {
        LOG.log(
            Level.WARNING,
            "computation "
                + computationId
                + ": a process in the container was killed for lack of memory, but the algorithm"
                + " exited with status 0");
      }
      return new RunResult(Outcome.SUCCEEDED, 0, "");
    }
    int status = (int) code;
    if (oom) {
      return new RunResult(
          Outcome.FAILED,
          status,
          "algorithm ran out of memory: the container's limit of "
              + settings.memoryBytes() / (1024 * 1024)
              + " MiB (AGENT_DOCKER_MEMORY_MB) was exceeded and the kernel killed it, exit status "
              + status);
    }
    String described = ProcessWorkload.describeStatus("algorithm", status);
    if (status == 137 && settings.memoryBytes() > 0) {
      // Engines that do not report OOMKilled (podman 4): SIGKILL nobody asked for, under a limit.
      described +=
          " (not by the runner; the container's memory limit is "
              + settings.memoryBytes() / (1024 * 1024)
              + " MiB (AGENT_DOCKER_MEMORY_MB), and the kernel kills with SIGKILL when it is"
              + " exceeded)";
    }
    if (status == 126 || status == 127) {
      // What shells and the engine's init report when the program cannot be run.
      described +=
          status == 127
              ? " (the program was not found in the image; see the output)"
              : " (the program could not be executed; see the output)";
    }
    return new RunResult(Outcome.FAILED, status, described);
  }

  private RunResult endedResult() {
    if (ending.get() == Outcome.TIMED_OUT) {
      return new RunResult(
          Outcome.TIMED_OUT, -1, "algorithm exceeded its time limit of " + timeout);
    }
    return new RunResult(Outcome.STOPPED, -1, "algorithm was stopped");
  }

  private RunResult failed(IOException e) {
    String why = e.getMessage() != null ? e.getMessage() : e.toString();
    String reason;
    if (e instanceof EngineException) {
      reason = "docker run failed " + step + ": " + why;
    } else {
      reason =
          "docker run failed "
              + step
              + ": the container engine at "
              + client.host()
              + " (AGENT_DOCKER_HOST) is unreachable or broke off: "
              + why;
    }
    LOG.log(Level.INFO, () -> "computation " + computationId + ": " + reason);
    return new RunResult(Outcome.FAILED, -1, reason);
  }

  /** Removes the container and the image, whatever happened; failures are logged. */
  private void cleanUp(String imageId, boolean removeImage) {
    try {
      String id = containerId != null ? containerId : createdUnseen();
      if (id != null) {
        client.removeContainer(id);
      }
    } catch (IOException e) {
      LOG.log(
          Level.ERROR,
          "container "
              + containerName
              + " of computation "
              + computationId
              + " could not be removed: "
              + e.getMessage());
    }
    if (removeImage) {
      try {
        client.removeImage(imageId);
      } catch (IOException e) {
        LOG.log(
            Level.ERROR,
            "image "
                + imageId
                + " of computation "
                + computationId
                + " could not be removed: "
                + e.getMessage());
      }
    }
  }

  /**
   * A container this run created although the creation call failed on our side (timed out or broke
   * off), found by name and both labels; {@code null} if there is none. A container under the name
   * that is not this computation's is never touched.
   */
  private String createdUnseen() throws IOException {
    if (!createUncertain) {
      return null;
    }
    Map<String, Object> c = client.inspectContainer(containerName);
    boolean ours =
        c != null
            && DockerRunner.TYPE.equals(
                Json.string(c, "Config", "Labels", ContainerSpec.RUNNER_LABEL))
            && computationId.equals(
                Json.string(c, "Config", "Labels", ContainerSpec.COMPUTATION_LABEL));
    return ours ? Json.string(c, "Id") : null;
  }

  private void checkEnding() throws Ended {
    if (ending.get() != null) {
      throw new Ended();
    }
  }

  /** The run was stopped or timed out between two steps. */
  private static final class Ended extends Exception {
    private static final long serialVersionUID = 1L;

    Ended() {
      super(null, null, false, false);
    }
  }
}
