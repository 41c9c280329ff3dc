package ai.cocos.agent.internal;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.Authorization;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.Operation;
import ai.cocos.agent.ResultDownload;
import ai.cocos.agent.State;
import ai.cocos.agent.StateException;
import ai.cocos.agent.Trigger;
import ai.cocos.agent.Upload;
import ai.cocos.agent.UploadReceipt;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.crypto.SafeUnzip;
import ai.cocos.crypto.Sha3OutputStream;
import ai.cocos.crypto.ZipRejectedException;
import ai.cocos.manifest.ManifestSignature;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One computation: its state machine, authoriser, workspace, uploads, run, results and wipe.
 *
 * <h2>Locking</h2>
 *
 * One lock guards the computation's fields; it is never held while a workload runs, while an upload
 * streams, or while files are zeroed (except the atomic renames that accept an upload). Events are
 * queued while it is held and delivered after it is released (see {@link EventBus}). Lock order: an
 * upload's or a download's own monitor, then this lock; never the reverse.
 *
 * <h2>Wiping</h2>
 *
 * The run's inputs (algorithm, requirements, datasets, the {@code results/} folder) are wiped as
 * soon as the results zip is written, as CocosAI deletes them after the run; the zip is wiped when
 * every distinct consumer key has read it to the end (once no download is open), when the results'
 * time-to-live expires, or on {@link #stop()}. A failed run is wiped at once. See {@link Wiper} for
 * what wiping can and cannot guarantee.
 */
final class Computation implements ComputationService {
  private static final System.Logger LOG = System.getLogger(Computation.class.getName());

  /** How long {@link #stop()} waits for the workload to end before wiping anyway. */
  static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private static final String RUNNING = State.Running.name();

  private enum Phase {
    /** Receiving, running, or holding results. */
    ACTIVE,
    /** The run failed; wiped or being wiped. */
    FAILED,
    /** The results were served or expired; wiped or being wiped. */
    RESULTS_WIPED,
    /** Stopped; wiped or being wiped. */
    STOPPED
  }

  private final Manifest manifest;
  private final Sha3Hash digest;
  private final AgentSettings settings;
  private final Workspace workspace;
  private final EventBus bus;
  private final StateMachine machine;
  private final UploadAuthorizer authorizer;
  private final RunnerLookup runners;
  private final ScheduledExecutorService executor;
  private final Set<PublicKeyPem> consumerKeys = new HashSet<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final CountDownLatch wiped = new CountDownLatch(1);
  private final AtomicBoolean wipeStarted = new AtomicBoolean();
  private volatile boolean finished;

  // Guarded by lock.
  private Phase phase = Phase.ACTIVE;
  private boolean algorithmReceived;
  private final Set<String> datasetsReceived = new HashSet<>();
  private final Set<FileUpload> uploads = new HashSet<>();
  private Workload workload;
  private String failureReason;
  private String wipeReason;
  private final Set<PublicKeyPem> served = new HashSet<>();
  private final Set<Download> downloads = new HashSet<>();
  private boolean wipeWhenIdle;
  private ScheduledFuture<?> ttl;

  private Computation(
      Manifest manifest,
      Sha3Hash digest,
      AgentSettings settings,
      Workspace workspace,
      EventBus bus,
      UploadAuthorizer authorizer,
      RunnerLookup runners,
      ScheduledExecutorService executor) {
    this.manifest = manifest;
    this.digest = digest;
    this.settings = settings;
    this.workspace = workspace;
    this.bus = bus;
    this.machine = new StateMachine(manifest.datasets().size(), bus);
    this.authorizer = authorizer;
    this.runners = runners;
    this.executor = executor;
    for (ResultConsumer c : manifest.resultConsumers()) {
      consumerKeys.add(c.userKey());
    }
  }

  /**
   * Creates a computation for an accepted manifest and brings it to {@link
   * State#ReceivingAlgorithm}, emitting the {@code ReceivingManifest} and {@code
   * ReceivingAlgorithm} events.
   *
   * @param manifest the manifest
   * @param settings the agent's settings
   * @param clock the agent's clock
   * @param space how free disk space is measured
   * @param runners finds the runner at run time
   * @param executor runs the run's completion, packing, timers and wipes
   * @param shared the agent's listeners
   * @return the computation
   * @throws AgentException {@link Kind#REJECTED} if a manifest key cannot be used, {@link
   *     Kind#INTERNAL} if the workspace cannot be made
   */
  static Computation create(
      Manifest manifest,
      AgentSettings settings,
      Clock clock,
      DiskSpace space,
      RunnerLookup runners,
      ScheduledExecutorService executor,
      List<AgentListener> shared)
      throws AgentException {
    Sha3Hash digest = ManifestSignature.digest(manifest);
    UploadAuthorizer authorizer =
        new UploadAuthorizer(
            manifest,
            digest,
            settings.authSkew(),
            settings.legacyAuth(),
            settings.maxNonces(),
            clock);
    Workspace workspace;
    try {
      workspace =
          Workspace.create(settings.workDir(), manifest.id(), space, settings.wipeOverwrite());
    } catch (IOException e) {
      throw new AgentException(
          Kind.INTERNAL,
          "cannot make the work folder of computation " + manifest.id() + ": " + e.getMessage(),
          e);
    }
    EventBus bus = new EventBus(manifest.id(), clock, shared);
    Computation c =
        new Computation(manifest, digest, settings, workspace, bus, authorizer, runners, executor);
    try {
      c.machine.fire(Trigger.Start);
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("manifest_digest", digest.hex());
      details.put("algorithm_type", manifest.algorithm().type());
      details.put("datasets", manifest.datasets().size());
      details.put("result_consumers", manifest.resultConsumers().size());
      c.machine.fire(Trigger.ManifestReceived, details);
    } catch (StateException e) {
      throw new IllegalStateException("a new state machine refused its first transitions", e);
    }
    if (settings.legacyAuth()) {
      bus.log(
          "WARN",
          "legacy mode: CocosAI's static role signatures are accepted; they can be replayed");
    }
    return c;
  }

  @Override
  public String id() {
    return manifest.id();
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public Sha3Hash manifestDigest() {
    return digest;
  }

  @Override
  public State state() {
    return machine.state();
  }

  @Override
  public Optional<String> failureReason() {
    lock.lock();
    try {
      return Optional.ofNullable(failureReason);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean finished() {
    return finished;
  }

  /** The workspace (tests look at its files). */
  Workspace workspace() {
    return workspace;
  }

  @Override
  public AgentListener.Subscription subscribe(AgentListener listener) {
    return bus.subscribe(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // Authorisation

  @Override
  public Authorization authorize(Operation operation, Map<String, List<String>> metadata)
      throws AgentException {
    UploadAuthorizer.Grant grant;
    try {
      grant = authorizer.authorize(operation, metadata);
    } catch (AgentException e) {
      // Not forwarded as a computation log: anyone who reaches the port can cause these.
      LOG.log(
          Level.INFO,
          () -> "computation " + id() + ": refused " + operation + ": " + e.getMessage());
      throw e;
    }
    return new Issued(this, grant);
  }

  /** An authorisation this computation issued; used once. */
  private static final class Issued implements Authorization {
    private final Computation issuer;
    private final UploadAuthorizer.Grant grant;
    private final AtomicBoolean used = new AtomicBoolean();

    Issued(Computation issuer, UploadAuthorizer.Grant grant) {
      this.issuer = issuer;
      this.grant = grant;
    }

    @Override
    public String computationId() {
      return issuer.id();
    }

    @Override
    public Operation operation() {
      return grant.operation();
    }

    @Override
    public int index() {
      return grant.index();
    }

    @Override
    public String keyFingerprint() {
      return grant.key().fingerprint();
    }

    @Override
    public boolean legacy() {
      return grant.legacy();
    }

    @Override
    public String toString() {
      return "Authorization[" + grant.operation() + " by " + keyFingerprint() + "]";
    }
  }

  private Issued claim(Authorization authorization, Operation.Kind kind) throws AgentException {
    Objects.requireNonNull(authorization, "authorization");
    if (!(authorization instanceof Issued issued) || issued.issuer != this) {
      throw new AgentException(
          Kind.PERMISSION_DENIED,
          "the authorization was not issued by computation " + id() + ": authorize the request");
    }
    if (issued.operation().kind() != kind) {
      throw new AgentException(
          Kind.PERMISSION_DENIED,
          "the request was authorized for " + issued.operation() + ", not for this operation");
    }
    if (!issued.used.compareAndSet(false, true)) {
      throw new AgentException(
          Kind.PERMISSION_DENIED,
          "the authorization was already used: each request needs its own signature");
    }
    return issued;
  }

  // ---------------------------------------------------------------------------------------------
  // Uploads

  @Override
  public AlgorithmUpload beginAlgorithm(
      Authorization authorization, Optional<String> clientType, Optional<List<String>> clientArgs)
      throws AgentException {
    Issued issued = claim(authorization, Operation.Kind.ALGO);
    Objects.requireNonNull(clientType, "clientType");
    Objects.requireNonNull(clientArgs, "clientArgs");
    String type = manifest.algorithm().type();
    if (clientType.isPresent() && !clientType.get().isEmpty() && !clientType.get().equals(type)) {
      throw new AgentException(
          Kind.REJECTED,
          "algo_type "
              + Texts.quote(clientType.get())
              + " does not match the manifest's algorithm type "
              + Texts.quote(type)
              + " (the manifest decides; send no algo_type or the manifest's)");
    }
    List<String> args = manifest.algorithm().args();
    if (clientArgs.isPresent() && !clientArgs.get().equals(args)) {
      throw new AgentException(
          Kind.REJECTED,
          "algo_args "
              + Texts.quote(String.valueOf(clientArgs.get()))
              + " do not match the manifest's algorithm arguments "
              + Texts.quote(String.valueOf(args))
              + " (the manifest decides; send no algo_args or the manifest's)");
    }
    try (EventBus.Hold h = enter()) {
      checkActive("algorithm upload");
      if (algorithmReceived) {
        throw new AgentException(Kind.ALREADY_RECEIVED, "algorithm was already received");
      }
      requireState(State.ReceivingAlgorithm, "algorithm upload");
      FileUpload u = newUpload(FileUpload.Item.ALGORITHM, "", false, manifest.algorithm().hash());
      bus.log("INFO", "algorithm upload started by key " + issued.keyFingerprint());
      return u;
    }
  }

  @Override
  public Upload beginDataset(Authorization authorization, String filename, boolean decompress)
      throws AgentException {
    Issued issued = claim(authorization, Operation.Kind.DATA);
    Objects.requireNonNull(filename, "filename");
    if (!issued.operation().filename().equals(filename)) {
      throw new AgentException(
          Kind.PERMISSION_DENIED,
          "the request was authorized for "
              + issued.operation()
              + ", but the upload names "
              + Texts.quote(filename));
    }
    DatasetSpec spec =
        manifest
            .dataset(filename)
            .orElseThrow(
                () ->
                    new AgentException(
                        Kind.UNDECLARED,
                        "dataset " + Texts.quote(filename) + " is not declared in the manifest"));
    String what = "dataset " + Texts.quote(filename);
    try (EventBus.Hold h = enter()) {
      checkActive(what + " upload");
      requireState(State.ReceivingData, what + " upload");
      if (datasetsReceived.contains(filename)) {
        throw new AgentException(Kind.ALREADY_RECEIVED, what + " was already received");
      }
      FileUpload u =
          newUpload(
              FileUpload.Item.DATASET, filename, decompress || spec.decompress(), spec.hash());
      bus.log(
          "INFO",
          what
              + " upload started by key "
              + issued.keyFingerprint()
              + (u.decompress() ? " (to be decompressed)" : ""));
      return u;
    }
  }

  private FileUpload newUpload(
      FileUpload.Item item, String filename, boolean decompress, Sha3Hash expected)
      throws AgentException {
    try {
      FileUpload u =
          new FileUpload(this, workspace, settings, item, filename, decompress, expected);
      uploads.add(u);
      return u;
    } catch (IOException e) {
      throw new AgentException(Kind.INTERNAL, "cannot store the upload: " + e.getMessage(), e);
    }
  }

  /**
   * Accepts a complete upload whose hash matched: extracts it if needed, re-checks that it is still
   * expected, moves it into place and fires the transition it completes. Called by {@link
   * FileUpload#commit()} (holding the upload's monitor).
   */
  UploadReceipt accept(FileUpload u, long size, Sha3Hash sha3) throws AgentException, IOException {
    try (EventBus.Hold h = enter()) {
      checkAcceptable(u);
    }
    boolean unzip = u.item() == FileUpload.Item.DATASET && u.decompress();
    if (unzip) {
      extract(u);
    }
    State after;
    List<Path> leftovers = new ArrayList<>();
    try (EventBus.Hold h = enter()) {
      checkAcceptable(u);
      List<Path> entries = unzip ? checkExtracted(u) : List.of();
      if (!u.settle()) {
        throw new AgentException(Kind.ABORTED, u.what() + " upload was aborted");
      }
      try {
        if (u.item() == FileUpload.Item.ALGORITHM) {
          moveAlgorithm(u);
        } else if (unzip) {
          moveExtracted(u, entries);
          leftovers.add(u.file());
          leftovers.add(u.staging());
        } else {
          move(u.file(), workspace.datasets().resolve(u.filename()));
        }
      } catch (IOException | RuntimeException e) {
        u.unsettle();
        throw e;
      }
      uploads.remove(u);
      bus.log("INFO", u.what() + " accepted (" + size + " bytes, SHA3-256 " + sha3.hex() + ")");
      if (u.item() == FileUpload.Item.ALGORITHM) {
        algorithmReceived = true;
        after = machine.fire(Trigger.AlgorithmReceived);
      } else {
        datasetsReceived.add(u.filename());
        after =
            datasetsReceived.size() == manifest.datasets().size()
                ? machine.fire(Trigger.DataReceived)
                : machine.state();
      }
    }
    for (Path p : leftovers) {
      try {
        Wiper.wipe(p, settings.wipeOverwrite());
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot delete " + p + ": " + e.getMessage());
      }
    }
    if (after == State.Running) {
      execute(this::run);
    }
    return new UploadReceipt(u.what(), size, sha3, after);
  }

  /** Refuses an upload the computation no longer expects. Holds the lock. */
  private void checkAcceptable(FileUpload u) throws AgentException {
    if (u.failed()) {
      throw new AgentException(Kind.ABORTED, u.what() + " upload was aborted");
    }
    checkActive(u.what() + " upload");
    if (u.item() == FileUpload.Item.ALGORITHM) {
      if (algorithmReceived) {
        throw new AgentException(Kind.ALREADY_RECEIVED, "algorithm was already received");
      }
      requireState(State.ReceivingAlgorithm, "algorithm upload");
    } else {
      if (datasetsReceived.contains(u.filename())) {
        throw new AgentException(Kind.ALREADY_RECEIVED, u.what() + " was already received");
      }
      requireState(State.ReceivingData, u.what() + " upload");
    }
  }

  private void checkActive(String attempted) throws StateException {
    if (phase == Phase.STOPPED) {
      throw new StateException(machine.state(), attempted + "; the computation was stopped");
    }
  }

  private void requireState(State wanted, String attempted) throws StateException {
    State s = machine.state();
    if (s == wanted) {
      return;
    }
    String hint =
        switch (s) {
          case ReceivingAlgorithm -> "; upload the algorithm first";
          case ReceivingData ->
              wanted == State.ReceivingAlgorithm ? "; the algorithm was already received" : "";
          case Running -> "; every item was received and the run has started";
          case ConsumingResults, Complete -> "; the run is over";
          case Failed -> "; the computation failed";
          default -> "; it needs " + wanted;
        };
    throw new StateException(s, attempted + hint);
  }

  /** Extracts a decompressed dataset's zip into a private staging folder. */
  private void extract(FileUpload u) throws AgentException, IOException {
    Path staging = workspace.newTempDir("unzip");
    u.staging(staging);
    long usable = workspace.usableBytes();
    long room = usable - settings.diskReserveBytes();
    if (room <= 0) {
      throw new AgentException(
          Kind.DISK_FULL,
          u.what()
              + " cannot be extracted: larger than free disk ("
              + Texts.bytes(usable)
              + " free, reserve "
              + Texts.bytes(settings.diskReserveBytes())
              + ")");
    }
    long limit = Math.min(settings.maxUnzipBytes(), room);
    try {
      SafeUnzip.extract(u.file(), staging, limit, settings.maxUnzipEntries());
    } catch (ZipRejectedException e) {
      boolean large =
          e.problem() == ZipRejectedException.Problem.TOO_LARGE
              || e.problem() == ZipRejectedException.Problem.TOO_MANY_ENTRIES;
      boolean disk =
          e.problem() == ZipRejectedException.Problem.TOO_LARGE && limit < settings.maxUnzipBytes();
      throw new AgentException(
          disk ? Kind.DISK_FULL : large ? Kind.TOO_LARGE : Kind.REJECTED,
          u.what()
              + " rejected: "
              + e.getMessage()
              + (disk
                  ? " (the limit is the free disk above the reserve of "
                      + Texts.bytes(settings.diskReserveBytes())
                      + ")"
                  : ""),
          e);
    }
  }

  /**
   * Lists an extraction's top-level entries and refuses any that would take the place of a file
   * already in {@code datasets/} or of another declared dataset. Holds the lock.
   */
  private List<Path> checkExtracted(FileUpload u) throws AgentException, IOException {
    List<Path> entries;
    try (var s = Files.list(u.staging())) {
      entries = s.sorted().toList();
    }
    for (Path e : entries) {
      String name = e.getFileName().toString();
      if (Files.exists(workspace.datasets().resolve(name), LinkOption.NOFOLLOW_LINKS)) {
        throw new AgentException(
            Kind.REJECTED,
            u.what()
                + " rejected: its entry "
                + Texts.quote(name)
                + " would replace datasets/"
                + name
                + ", which an earlier dataset holds");
      }
      if (!name.equals(u.filename()) && manifest.dataset(name).isPresent()) {
        throw new AgentException(
            Kind.REJECTED,
            u.what()
                + " rejected: its entry "
                + Texts.quote(name)
                + " has the name of declared dataset "
                + Texts.quote(name));
      }
    }
    return entries;
  }

  private void moveExtracted(FileUpload u, List<Path> entries) throws IOException {
    List<Path[]> moved = new ArrayList<>();
    try {
      for (Path e : entries) {
        Path target = workspace.datasets().resolve(e.getFileName().toString());
        move(e, target);
        moved.add(new Path[] {e, target});
      }
    } catch (IOException | RuntimeException x) {
      for (Path[] m : moved) {
        try {
          Files.move(m[1], m[0], StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException y) {
          x.addSuppressed(y);
        }
      }
      throw x;
    }
  }

  private void moveAlgorithm(FileUpload u) throws IOException {
    Path requirements = u.requirementsFile();
    if (requirements != null) {
      move(requirements, workspace.requirements());
    }
    try {
      move(u.file(), workspace.algorithm());
    } catch (IOException | RuntimeException e) {
      if (requirements != null) {
        Files.deleteIfExists(workspace.requirements());
      }
      throw e;
    }
  }

  /** Renames within the workspace, never replacing anything. */
  private static void move(Path from, Path to) throws IOException {
    if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
      throw new java.nio.file.FileAlreadyExistsException(to.toString());
    }
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Told by an upload that failed (already cleaned up). */
  void rejected(FileUpload u, AgentException e) {
    try (EventBus.Hold h = enter()) {
      uploads.remove(u);
    }
    bus.log("WARN", e.getMessage());
  }

  /** Told by an upload that was aborted (already cleaned up). */
  void forget(FileUpload u) {
    try (EventBus.Hold h = enter()) {
      uploads.remove(u);
    }
    bus.log("WARN", u.what() + " upload was aborted before it completed; nothing was kept");
  }

  // ---------------------------------------------------------------------------------------------
  // The run

  /** Starts the workload; runs on the executor once the last item arrived. */
  private void run() {
    String type = manifest.algorithm().type();
    Workload started = null;
    String failure = null;
    try (EventBus.Hold h = enter()) {
      if (phase != Phase.ACTIVE || machine.state() != State.Running) {
        return;
      }
      WorkloadRunner runner = null;
      try {
        runner = runners.runner(type);
      } catch (Exception e) {
        failure = message(e);
      }
      if (runner != null) {
        Path requirements = workspace.requirements();
        RunSpec spec =
            new RunSpec(
                id(),
                workspace.algorithm(),
                Files.exists(requirements) ? Optional.of(requirements) : Optional.empty(),
                manifest.algorithm().args(),
                workspace.dir(),
                workspace.datasets(),
                workspace.results(),
                settings.runTimeout(),
                Map.of());
        try {
          // start() returns as soon as the workload runs (runner contract), so holding the lock
          // here is short, and stop() cannot miss a workload that is starting.
          started = runner.start(spec, new Sink());
          workload = started;
          bus.log(
              "INFO",
              "algorithm of type " + type + " started (time limit " + settings.runTimeout() + ")");
          bus.event(RUNNING, "InProgress", Map.of());
        } catch (Exception e) {
          failure = "the algorithm could not be started: " + message(e);
        }
      }
    }
    if (failure != null) {
      failRun(failure);
      return;
    }
    Workload w = started;
    w.result().whenComplete((result, error) -> execute(() -> finishRun(w, result, error)));
  }

  private static String message(Exception e) {
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  /**
   * Forwards the algorithm's output: standard output as logs, standard error as logs and events.
   */
  private final class Sink implements OutputSink {
    @Override
    public void line(OutputSink.Stream stream, String line) {
      if (finished) {
        return;
      }
      if (stream == OutputSink.Stream.STDERR) {
        bus.log("ERROR", line);
        bus.event("AlgorithmRun", "Warning", AgentEvent.RUNNER, Map.of("line", line));
      } else {
        bus.log("DEBUG", line);
      }
    }
  }

  private void finishRun(Workload w, RunResult result, Throwable error) {
    try (EventBus.Hold h = enter()) {
      if (phase != Phase.ACTIVE || workload != w) {
        return; // stopped meanwhile: stop() wipes
      }
      workload = null;
    }
    if (result == null) {
      failRun("the runner failed: " + error);
      return;
    }
    if (!result.succeeded()) {
      failRun(
          result.reason().isBlank()
              ? "the algorithm ended as "
                  + result.outcome()
                  + " (exit code "
                  + result.exitCode()
                  + ")"
              : result.reason());
      return;
    }
    try (EventBus.Hold h = enter()) {
      if (phase != Phase.ACTIVE) {
        return;
      }
      bus.event(RUNNING, "Completed", Map.of());
    }
    Packed zip;
    try {
      zip = packResults();
    } catch (IOException e) {
      failRun("the results could not be packed: " + message(e));
      return;
    }
    int inputs = 0;
    try {
      inputs = workspace.wipeInputs(settings.wipeOverwrite());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "computation " + id() + ": inputs not fully wiped: " + e);
      bus.log("WARN", "the run's inputs could not all be wiped: " + e.getMessage());
    }
    boolean stopped = false;
    try (EventBus.Hold h = enter()) {
      stopped = phase != Phase.ACTIVE;
      if (stopped) {
        return;
      }
      bus.log("INFO", "results packed (" + zip.size + " bytes); " + inputs + " input files wiped");
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("bytes", zip.size);
      details.put("sha3_256", zip.sha3.hex());
      machine.fire(Trigger.RunComplete, details);
      Duration ttlDuration = settings.resultsTtl();
      try {
        ttl =
            executor.schedule(
                () -> wipeResults("the results' time-to-live of " + ttlDuration + " expired"),
                ttlDuration.toMillis(),
                TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        LOG.log(Level.WARNING, "computation " + id() + ": no results timer (agent stopping)");
      }
    } catch (StateException e) {
      LOG.log(Level.ERROR, "computation " + id() + ": " + e.getMessage());
    } finally {
      if (stopped) {
        wipeQuietly(); // stopped while packing: make sure no zip survives
      }
    }
  }

  private record Packed(long size, Sha3Hash sha3) {}

  /** Writes the deterministic zip of {@code results/} to {@code results.zip}, streamed. */
  private Packed packResults() throws IOException {
    Workspace.TempFile t = workspace.newTempFile("results");
    boolean ok = false;
    try {
      Sha3OutputStream sha;
      try (OutputStream file = Channels.newOutputStream(t.channel());
          OutputStream buffered = new BufferedOutputStream(file, 64 * 1024)) {
        sha = new Sha3OutputStream(buffered);
        OutputStream guarded = new ReserveGuard(sha);
        DeterministicZip.write(workspace.results(), guarded);
        guarded.flush();
      }
      move(t.path(), workspace.resultZip());
      ok = true;
      return new Packed(sha.count(), new Sha3Hash(sha.digest()));
    } finally {
      if (!ok) {
        Wiper.wipe(t.path(), settings.wipeOverwrite());
      }
    }
  }

  /** Fails the write once the disk would drop below its reserve (checked every interval). */
  private final class ReserveGuard extends FilterOutputStream {
    private long written;
    private long nextCheck;

    ReserveGuard(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (written + len > nextCheck) {
        long usable = workspace.usableBytes();
        if (usable - len < settings.diskReserveBytes()) {
          throw new IOException(
              "the results are larger than free disk ("
                  + Texts.bytes(usable)
                  + " free, reserve "
                  + Texts.bytes(settings.diskReserveBytes())
                  + ", "
                  + Texts.bytes(written)
                  + " packed so far)");
        }
        nextCheck = written + len + AgentSettings.DISK_CHECK_INTERVAL;
      }
      out.write(b, off, len);
      written += len;
    }
  }

  /** Fails the computation with a reason, and wipes it. */
  private void failRun(String reason) {
    List<FileUpload> open;
    try (EventBus.Hold h = enter()) {
      if (phase != Phase.ACTIVE) {
        return;
      }
      phase = Phase.FAILED;
      failureReason = reason;
      LOG.log(Level.WARNING, "computation " + id() + " failed: " + reason);
      if (machine.state() == State.Running) {
        bus.event(RUNNING, "Failed", Map.of("reason", reason));
      }
      try {
        machine.fire(Trigger.RunFailed, Map.of("reason", reason));
      } catch (StateException e) {
        LOG.log(Level.ERROR, "computation " + id() + ": " + e.getMessage());
      }
      open = new ArrayList<>(uploads);
      uploads.clear();
    }
    open.forEach(FileUpload::abort);
    wipeFiles("the run failed");
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  @Override
  public ResultDownload openResult(Authorization authorization) throws AgentException {
    Issued issued = claim(authorization, Operation.Kind.RESULT);
    try (EventBus.Hold h = enter()) {
      State s = machine.state();
      if (phase == Phase.STOPPED) {
        throw new AgentException(Kind.WIPED, "results are gone: the computation was stopped");
      }
      if (s == State.Failed) {
        throw new AgentException(Kind.RUN_FAILED, "the run failed: " + failureReason);
      }
      if (phase == Phase.RESULTS_WIPED) {
        throw new AgentException(Kind.WIPED, "results were wiped: " + wipeReason);
      }
      if (s != State.ConsumingResults && s != State.Complete) {
        throw new AgentException(
            Kind.RESULTS_NOT_READY, "results are not ready: the computation is in state " + s);
      }
      FileChannel ch;
      try {
        ch =
            FileChannel.open(
                workspace.resultZip(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw new AgentException(Kind.INTERNAL, "cannot open the results: " + e.getMessage(), e);
      }
      int index = issued.index();
      Download d;
      try {
        d = new Download(index, manifest.resultConsumers().get(index).userKey(), ch, ch.size());
      } catch (IOException e) {
        closeQuietly(ch);
        throw new AgentException(Kind.INTERNAL, "cannot open the results: " + e.getMessage(), e);
      }
      downloads.add(d);
      bus.log("INFO", "result consumer " + index + " started downloading the results");
      return d;
    }
  }

  @Override
  public Set<Integer> consumersServed() {
    try (EventBus.Hold h = enter()) {
      Set<Integer> s = new TreeSet<>();
      for (int i = 0; i < manifest.resultConsumers().size(); i++) {
        if (served.contains(manifest.resultConsumers().get(i).userKey())) {
          s.add(i);
        }
      }
      return s;
    }
  }

  /** A consumer read the whole zip. */
  private void served(Download d) {
    boolean wipe;
    try (EventBus.Hold h = enter()) {
      downloads.remove(d);
      if (phase != Phase.ACTIVE) {
        return;
      }
      if (served.add(d.key)) {
        bus.log("INFO", "result consumer " + d.index + " fetched the results");
      }
      if (machine.state() == State.ConsumingResults) {
        try {
          machine.fire(Trigger.ResultsConsumed, Map.of("consumer", d.index));
        } catch (StateException e) {
          LOG.log(Level.ERROR, "computation " + id() + ": " + e.getMessage());
        }
      }
      if (served.containsAll(consumerKeys)) {
        wipeWhenIdle = true;
      }
      wipe = wipeWhenIdle && downloads.isEmpty();
    }
    if (wipe) {
      execute(() -> wipeResults("every result consumer fetched the results"));
    }
  }

  /** A download was closed. */
  private void released(Download d) {
    boolean wipe;
    try (EventBus.Hold h = enter()) {
      if (!downloads.remove(d)) {
        return;
      }
      wipe = phase == Phase.ACTIVE && wipeWhenIdle && downloads.isEmpty();
    }
    if (wipe) {
      execute(() -> wipeResults("every result consumer fetched the results"));
    }
  }

  /** One consumer's download; see {@link ResultDownload}. */
  private final class Download implements ResultDownload {
    private final int index;
    private final PublicKeyPem key;
    private final FileChannel channel;
    private final long size;
    private final InputStream stream = new ZipStream();
    private long delivered;
    private boolean closed;
    private boolean counted;
    private volatile String revoked;

    Download(int index, PublicKeyPem key, FileChannel channel, long size) {
      this.index = index;
      this.key = key;
      this.channel = channel;
      this.size = size;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public int consumerIndex() {
      return index;
    }

    @Override
    public InputStream stream() {
      return stream;
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        closeQuietly(channel);
      }
      released(this);
    }

    /** Makes every later read fail; interrupts a read in progress. */
    void revoke(String reason) {
      revoked = reason;
      closeQuietly(channel);
    }

    private int read(byte[] b, int off, int len) throws IOException {
      boolean done = false;
      int n;
      synchronized (this) {
        Objects.checkFromIndexSize(off, len, b.length);
        String r = revoked;
        if (r != null) {
          throw new IOException(r);
        }
        if (closed) {
          throw new IOException("the results download was closed");
        }
        if (len == 0) {
          return 0;
        }
        if (delivered >= size) {
          n = -1;
        } else {
          ByteBuffer buf = ByteBuffer.wrap(b, off, (int) Math.min(len, size - delivered));
          try {
            n = channel.read(buf, delivered);
          } catch (IOException e) {
            r = revoked;
            throw r != null ? new IOException(r, e) : e;
          }
          if (n < 0) {
            throw new IOException("the results zip ended early");
          }
          delivered += n;
        }
        if (delivered >= size && !counted) {
          counted = true;
          done = true;
          closeQuietly(channel);
        }
      }
      if (done) {
        served(this);
      }
      return n;
    }

    private final class ZipStream extends InputStream {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = Download.this.read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return Download.this.read(b, off, len);
      }

      @Override
      public int available() {
        synchronized (Download.this) {
          return (int) Math.min(Integer.MAX_VALUE, Math.max(0, size - delivered));
        }
      }

      @Override
      public void close() {
        Download.this.close();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ending

  /** Wipes the results (served or expired), revoking any download still open. */
  private void wipeResults(String reason) {
    List<Download> open;
    try (EventBus.Hold h = enter()) {
      if (phase != Phase.ACTIVE) {
        return;
      }
      phase = Phase.RESULTS_WIPED;
      wipeReason = reason;
      if (ttl != null) {
        ttl.cancel(false);
      }
      open = new ArrayList<>(downloads);
      downloads.clear();
    }
    open.forEach(d -> d.revoke("results were wiped: " + reason));
    wipeFiles(reason);
  }

  @Override
  public void stop() {
    Workload w;
    List<FileUpload> open;
    List<Download> reading;
    try (EventBus.Hold h = enter()) {
      if (phase != Phase.ACTIVE) {
        w = null;
        open = null;
        reading = null;
      } else {
        phase = Phase.STOPPED;
        if (ttl != null) {
          ttl.cancel(false);
        }
        w = workload;
        workload = null;
        open = new ArrayList<>(uploads);
        uploads.clear();
        reading = new ArrayList<>(downloads);
        downloads.clear();
        State was = machine.reset();
        bus.event("Stopped", "Stopped", Map.of("state", was.name()));
      }
    }
    if (open == null) {
      awaitWiped(); // finished or finishing on another thread
      return;
    }
    open.forEach(FileUpload::abort);
    reading.forEach(d -> d.revoke("the computation was stopped"));
    if (w != null) {
      w.stop();
      try {
        w.result().toCompletableFuture().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        LOG.log(
            Level.WARNING, "computation " + id() + ": workload still ending after " + STOP_WAIT);
      } catch (ExecutionException e) {
        // results never complete exceptionally; wipe anyway
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    wipeFiles("the computation was stopped");
  }

  private void awaitWiped() {
    try {
      if (!wiped.await(STOP_WAIT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "computation " + id() + ": wipe still running");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Wipes the whole workspace once, emits {@code Wiped}, and marks the computation finished. */
  private void wipeFiles(String reason) {
    if (!wipeStarted.compareAndSet(false, true)) {
      awaitWiped();
      return;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("reason", reason);
    try {
      details.put("files", workspace.wipeAll(settings.wipeOverwrite()));
    } catch (IOException e) {
      LOG.log(Level.WARNING, "computation " + id() + ": wipe incomplete", e);
      details.put("error", e.toString());
    }
    details.put("overwritten", settings.wipeOverwrite());
    // Finished before the event, so that a listener may start the next computation.
    finished = true;
    wiped.countDown();
    bus.event("Wiped", "Completed", details);
  }

  private void wipeQuietly() {
    try {
      workspace.wipeAll(settings.wipeOverwrite());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "computation " + id() + ": wipe incomplete", e);
    }
  }

  private void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // the agent is stopping: do it here
    }
  }

  private EventBus.Hold enter() {
    EventBus.Hold hold = bus.hold();
    lock.lock();
    return () -> {
      lock.unlock();
      hold.close();
    };
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // read-only channel
    }
  }
}
