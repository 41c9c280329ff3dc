package ai.cocos.manager.internal;

import ai.cocos.manager.VmBackend;
import ai.cocos.manager.VmBackendException;
import ai.cocos.manager.VmExit;
import ai.cocos.manager.VmInstance;
import ai.cocos.manager.VmLaunch;
import ai.cocos.manager.internal.ManagerException.Reason;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.transport.grpc.GoDuration;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * CVM lifecycle (CocosAI's manager service, §5.1 of the reference) over a {@link VmBackend}: ids,
 * the VM limit, host ports, the per-VM folder with the agent's certificates and environment, the
 * time-to-live, the binding to a computation, what happens when an agent ends, and the VM records a
 * restarted manager re-attaches from.
 *
 * <h2>Per-VM folder</h2>
 *
 * <pre>
 * STATE/vms/ID.json          the VM record: computation, port, TTL deadline, backend state (no secrets)
 * STATE/vms/ID/              0700
 *   certs/cert.pem key.pem ca.pem   0600, CreateReq's client cert, client key, server CA (possibly empty)
 *   env/environment          0600, the agent's environment as KEY=VALUE lines
 *   ...                      the backend's files (process: agent.log, work/, tmp/; QEMU: see QemuFiles)
 * </pre>
 *
 * <p>CocosAI writes {@code environment} with mode 0644; here it is 0600, as it may hold cloud
 * credentials. On removal every file is overwritten with zeros before the folder is deleted.
 *
 * <h2>Agent ends</h2>
 *
 * <p>An agent that ends without a {@code RemoveVm} fails its computation (unless that is already
 * terminal) with an event carrying the exit code and the agent's last output lines; its folder is
 * wiped and its port released at once. The VM stays known (as ended) until {@code RemoveVm} or its
 * TTL, so a client's {@code RemoveVm} still succeeds.
 *
 * <h2>Manager shutdown and restart</h2>
 *
 * <p>As in CocosAI, stopping the manager does not stop the agents ({@code stopAgentsOnShutdown}
 * changes that): their records stay, and the next manager re-attaches to the agents still running
 * (same backend, same PID and process start time), keeps their ports and TTLs, and cleans up after
 * the ones that ended meanwhile, failing their computations. Folders without a record (a crash
 * between creating the folder and writing the record) are wiped.
 *
 * <p>Thread-safe. {@code RemoveVm} blocks for up to the stop grace period.
 */
final class VmManager implements AutoCloseable {
  private static final Logger LOG = System.getLogger(VmManager.class.getName());
  private static final int FORMAT_VERSION = 1;

  /** How long {@code RemoveVm} waits for the agent's answer to {@code StopComputation}. */
  static final Duration STOP_ANSWER_WAIT = Duration.ofSeconds(2);

  /** The agent log level written when {@code CreateReq.agent_log_level} is empty. */
  static final String DEFAULT_LOG_LEVEL = "info";

  /**
   * What the manager is configured with.
   *
   * @param stateDir where VM folders and records live
   * @param maxVms the most VMs at once, 0 for no limit
   * @param ports the host port range
   * @param stopGrace how long an agent may take to end after SIGTERM
   * @param stopAgentsOnShutdown whether closing the manager removes its VMs
   * @param ovmfVersion {@code CVMInfoRes.ovmf_version}
   * @param cpuCount {@code CVMInfoRes.cpu_num}
   * @param cpuType {@code CVMInfoRes.cpu_type}, unless the backend decides it
   * @param eosVersion {@code CVMInfoRes.eos_version}
   */
  record Settings(
      Path stateDir,
      int maxVms,
      PortAllocator ports,
      Duration stopGrace,
      boolean stopAgentsOnShutdown,
      String ovmfVersion,
      int cpuCount,
      String cpuType,
      String eosVersion,
      Map<String, String> agentSettings) {
    Settings {
      Objects.requireNonNull(stateDir, "stateDir");
      if (maxVms < 0) {
        throw new IllegalArgumentException(
            "MANAGER_MAX_VMS must be 0 (no limit) or more, found " + maxVms);
      }
      Objects.requireNonNull(ports, "ports");
      Objects.requireNonNull(stopGrace, "stopGrace");
      agentSettings = Map.copyOf(agentSettings);
    }
  }

  private enum Phase {
    RUNNING,
    REMOVING,
    ENDED
  }

  /** One VM; mutable fields guarded by the manager's lock. */
  private static final class Vm {
    final String id;
    final String computationId;
    final int port;
    final Instant created;
    final Instant ttlDeadline;
    final VmLaunch launch;
    VmInstance instance;
    Phase phase = Phase.RUNNING;
    ScheduledFuture<?> ttl;
    CompletableFuture<Void> removed;

    Vm(
        String id,
        String computationId,
        int port,
        Instant created,
        Instant ttlDeadline,
        VmLaunch launch) {
      this.id = id;
      this.computationId = computationId;
      this.port = port;
      this.created = created;
      this.ttlDeadline = ttlDeadline;
      this.launch = launch;
    }
  }

  private final Settings settings;
  private final VmBackend backend;
  private final ComputationRegistry registry;
  private final AgentLinks links;
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final Path vmsDir;

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, Vm> vms = new LinkedHashMap<>();
  // guarded by lock: VMs being created, counted against the limit
  private int starting;
  // guarded by lock
  private boolean closed;

  VmManager(
      Settings settings,
      VmBackend backend,
      ComputationRegistry registry,
      AgentLinks links,
      ScheduledExecutorService timer,
      Clock clock)
      throws IOException {
    this.settings = settings;
    this.backend = backend;
    this.registry = registry;
    this.links = links;
    this.timer = timer;
    this.clock = clock;
    this.vmsDir = SecureFiles.privateDir(settings.stateDir().resolve("vms"));
  }

  // ---------------------------------------------------------------------------- CreateVm

  /**
   * Creates a VM and starts its agent.
   *
   * @param req the request
   * @param managerEndpoint where the manager's endpoint listens ({@code AGENT_CVM_GRPC_URL} when
   *     the request names no CVMS), {@code null} if unknown
   * @return the forwarded port and the CVM id
   * @throws ManagerException INVALID_ARGUMENT for a bad TTL or a multi-line value,
   *     NOT_FOUND/FAILED_PRECONDITION for a computation that cannot be bound, RESOURCE_EXHAUSTED
   *     ("maximum number of VMs exceeded", no free port), FAILED_PRECONDITION if the backend cannot
   *     start the agent (e.g. no agent assembly configured)
   */
  CreateRes create(CreateReq req, InetSocketAddress managerEndpoint) throws ManagerException {
    Duration ttl = ttl(req.getTtl());
    checkOneLine(req);
    String computationId = req.getComputationId();
    if (!computationId.isEmpty()) {
      ComputationView c = registry.get(computationId);
      if (c.terminal()) {
        throw new ManagerException(
            Reason.FAILED_PRECONDITION,
            "computation '" + computationId + "' is " + c.state() + ": nothing left to run");
      }
    }
    String cvmsUrl = req.getAgentCvmServerUrl();
    if (cvmsUrl.isEmpty()) {
      if (managerEndpoint == null) {
        throw new ManagerException(
            Reason.FAILED_PRECONDITION,
            "agent_cvm_server_url is empty and the manager's own endpoint is not listening:"
                + " set agent_cvm_server_url");
      }
      cvmsUrl = backend.cvmsAddress(managerEndpoint);
    }
    synchronized (lock) {
      if (closed) {
        throw new ManagerException(Reason.UNAVAILABLE, "the manager is stopping");
      }
      if (settings.maxVms() > 0 && running() + starting >= settings.maxVms()) {
        throw new ManagerException(
            Reason.RESOURCE_EXHAUSTED,
            "maximum number of VMs exceeded (MANAGER_MAX_VMS="
                + settings.maxVms()
                + "): remove a VM first");
      }
      starting++;
    }
    String id = UUID.randomUUID().toString();
    Path dir = vmsDir.resolve(id);
    Vm vm;
    int port = -1;
    boolean bound = false;
    try {
      try {
        port = settings.ports().allocate();
      } catch (IOException e) {
        throw new ManagerException(Reason.RESOURCE_EXHAUSTED, e.getMessage(), e);
      }
      if (!computationId.isEmpty()) {
        registry.bind(computationId, id);
        bound = true;
      }
      VmLaunch launch = writeFolder(id, port, dir, req, cvmsUrl);
      Instant now = clock.instant();
      vm = new Vm(id, computationId, port, now, ttl == null ? null : now.plus(ttl), launch);
      try {
        vm.instance = backend.start(launch);
      } catch (VmBackendException e) {
        throw new ManagerException(Reason.FAILED_PRECONDITION, e.getMessage(), e);
      }
    } catch (ManagerException | RuntimeException e) {
      synchronized (lock) {
        starting--;
      }
      if (port > 0) {
        settings.ports().release(port);
      }
      if (bound) {
        registry.unbind(
            computationId, id, false, "CVM " + id + " could not start: " + e.getMessage());
      }
      wipeQuietly(dir);
      if (e instanceof ManagerException me) {
        throw me;
      }
      throw new ManagerException(Reason.INTERNAL, "CVM could not be created: " + e.getMessage(), e);
    }
    synchronized (lock) {
      vms.put(id, vm);
      starting--;
    }
    saveRecord(vm);
    follow(vm);
    scheduleTtl(vm);
    if (!computationId.isEmpty()) {
      registry.managerEvent(
          computationId,
          "VmCreated",
          "",
          "CVM " + id + " started (" + vm.instance.describe() + ", port " + vm.port + ")",
          Map.of("cvm_id", id, "port", vm.port, "backend", backend.name()),
          null);
    }
    LOG.log(
        Level.INFO,
        "created CVM {0}: {1}, port {2}{3}{4}",
        id,
        vm.instance.describe(),
        Integer.toString(vm.port),
        computationId.isEmpty() ? "" : ", computation " + computationId,
        ttl == null ? "" : ", ttl " + ttl);
    return CreateRes.newBuilder().setCvmId(id).setForwardedPort(Integer.toString(vm.port)).build();
  }

  private static Duration ttl(String text) throws ManagerException {
    if (text.isEmpty()) {
      return null;
    }
    Duration d;
    try {
      d = GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ManagerException(Reason.INVALID_ARGUMENT, "ttl: " + e.getMessage(), e);
    }
    if (d.isZero() || d.isNegative()) {
      throw new ManagerException(
          Reason.INVALID_ARGUMENT,
          "ttl must be positive, e.g. 1h30m; found '" + text + "' (leave it empty for no TTL)");
    }
    return d;
  }

  private static void checkOneLine(CreateReq req) throws ManagerException {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("agent_log_level", req.getAgentLogLevel());
    fields.put("agent_cvm_server_url", req.getAgentCvmServerUrl());
    fields.put("agent_cvm_ca_url", req.getAgentCvmCaUrl());
    fields.put("agent_certs_token", req.getAgentCertsToken());
    fields.put("aws_access_key_id", req.getAwsAccessKeyId());
    fields.put("aws_secret_access_key", req.getAwsSecretAccessKey());
    fields.put("aws_endpoint_url", req.getAwsEndpointUrl());
    fields.put("aws_region", req.getAwsRegion());
    fields.put("aa_kbs_params", req.getAaKbsParams());
    for (Map.Entry<String, String> f : fields.entrySet()) {
      if (!Text.oneLine(f.getValue())) {
        // A line break would add variables of the caller's choosing to the agent's environment.
        throw new ManagerException(
            Reason.INVALID_ARGUMENT,
            f.getKey() + " must not contain line breaks or NUL characters");
      }
    }
  }

  /** Creates the per-VM folder with the certificates and the environment file. */
  private VmLaunch writeFolder(String id, int port, Path dir, CreateReq req, String cvmsUrl)
      throws ManagerException {
    try {
      SecureFiles.privateDir(dir);
      Path certs = SecureFiles.privateDir(dir.resolve("certs"));
      Path env = SecureFiles.privateDir(dir.resolve("env"));
      SecureFiles.writePrivate(
          certs.resolve("cert.pem"), req.getAgentCvmClientCert().toByteArray());
      SecureFiles.writePrivate(certs.resolve("key.pem"), req.getAgentCvmClientKey().toByteArray());
      SecureFiles.writePrivate(
          certs.resolve("ca.pem"), req.getAgentCvmServerCaCert().toByteArray());
      Map<String, String> environment =
          environment(id, req, cvmsUrl, backend.agentCertsDir(certs), settings.agentSettings());
      SecureFiles.writePrivate(env.resolve("environment"), environmentFile(environment));
      return new VmLaunch(id, port, dir, certs, env, environment, req.getAaKbsParams());
    } catch (IOException e) {
      throw new ManagerException(
          Reason.INTERNAL, "cannot write the folder of CVM " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * The agent's environment (CocosAI §5.1), sorted by name.
   *
   * @param id the CVM id
   * @param req the request
   * @param cvmsUrl where the agent dials the CVMS
   * @param certsDir the certificates folder as the agent sees it
   * @return the variables
   */
  static Map<String, String> environment(
      String id,
      CreateReq req,
      String cvmsUrl,
      String certsDir,
      Map<String, String> operatorSettings) {
    // The operator's settings first: what the manager derives for this VM overrides them.
    Map<String, String> env = new TreeMap<>(operatorSettings);
    env.put(
        "AGENT_LOG_LEVEL",
        req.getAgentLogLevel().isEmpty() ? DEFAULT_LOG_LEVEL : req.getAgentLogLevel());
    env.put("AGENT_CVM_GRPC_URL", cvmsUrl);
    env.put("AGENT_CVM_ID", id);
    putIfPresent(env, "AGENT_CERTS_TOKEN", req.getAgentCertsToken());
    putIfPresent(env, "AGENT_CVM_CA_URL", req.getAgentCvmCaUrl());
    String sep = certsDir.endsWith("/") ? "" : "/";
    if (!req.getAgentCvmClientCert().isEmpty()) {
      env.put("AGENT_CVM_GRPC_CLIENT_CERT", certsDir + sep + "cert.pem");
    }
    if (!req.getAgentCvmClientKey().isEmpty()) {
      env.put("AGENT_CVM_GRPC_CLIENT_KEY", certsDir + sep + "key.pem");
    }
    if (!req.getAgentCvmServerCaCert().isEmpty()) {
      env.put("AGENT_CVM_GRPC_SERVER_CA_CERTS", certsDir + sep + "ca.pem");
    }
    putIfPresent(env, "AWS_ACCESS_KEY_ID", req.getAwsAccessKeyId());
    putIfPresent(env, "AWS_SECRET_ACCESS_KEY", req.getAwsSecretAccessKey());
    putIfPresent(env, "AWS_ENDPOINT_URL", req.getAwsEndpointUrl());
    putIfPresent(env, "AWS_REGION", req.getAwsRegion());
    return env;
  }

  private static void putIfPresent(Map<String, String> env, String name, String value) {
    if (!value.isEmpty()) {
      env.put(name, value);
    }
  }

  private static byte[] environmentFile(Map<String, String> env) {
    StringBuilder b = new StringBuilder();
    env.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------- RemoveVm

  /**
   * Removes a VM: stops its computation and its agent, wipes its folder, releases its port.
   *
   * @param id the CVM id
   * @throws ManagerException NOT_FOUND ("entity not found") for an unknown id; INTERNAL if the
   *     folder could not be wiped completely (the VM is forgotten anyway)
   */
  void remove(String id) throws ManagerException {
    Vm vm;
    CompletableFuture<Void> done;
    boolean mine;
    synchronized (lock) {
      vm = vms.get(id);
      if (vm == null) {
        throw new ManagerException(Reason.NOT_FOUND, "entity not found");
      }
      if (vm.ttl != null) {
        vm.ttl.cancel(false);
      }
      if (vm.phase == Phase.ENDED) {
        vms.remove(id);
        deleteRecord(id);
        LOG.log(Level.INFO, "forgot ended CVM {0}", id);
        return;
      }
      mine = vm.phase == Phase.RUNNING;
      if (mine) {
        vm.phase = Phase.REMOVING;
        vm.removed = new CompletableFuture<>();
      }
      done = vm.removed;
    }
    if (!mine) {
      // Another caller (a TTL, a second RemoveVm) is removing it: wait for that.
      done.join();
      return;
    }
    IOException wipeError = null;
    try {
      if (!vm.computationId.isEmpty()) {
        links.stopAndWait(vm.computationId, STOP_ANSWER_WAIT);
      }
      try {
        vm.instance.stop(settings.stopGrace());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        SecureFiles.wipe(vm.launch.vmDir());
      } catch (IOException e) {
        wipeError = e;
        LOG.log(Level.ERROR, "CVM " + id + ": folder not wiped completely: " + e.getMessage());
      }
      deleteRecord(id);
      settings.ports().release(vm.port);
      synchronized (lock) {
        vms.remove(id);
      }
      if (!vm.computationId.isEmpty()) {
        registry.unbind(vm.computationId, id, true, "CVM " + id + " removed");
      }
      LOG.log(Level.INFO, "removed CVM {0}", id);
    } finally {
      done.complete(null);
    }
    if (wipeError != null) {
      throw new ManagerException(
          Reason.INTERNAL,
          "CVM "
              + id
              + " was stopped but its folder was not wiped completely: "
              + wipeError.getMessage(),
          wipeError);
    }
  }

  /**
   * Whether a VM is known (running or ended but not removed).
   *
   * @param id the CVM id
   * @return {@code true} if known
   */
  boolean exists(String id) {
    synchronized (lock) {
      return vms.containsKey(id);
    }
  }

  /**
   * The ids of the known VMs.
   *
   * @return the ids, oldest first
   */
  List<String> ids() {
    synchronized (lock) {
      return List.copyOf(vms.keySet());
    }
  }

  /**
   * What {@code CVMInfo} reports: the configuration, the same for every id (as in CocosAI).
   *
   * @param id the id to echo
   * @return the information
   */
  CVMInfoRes info(String id) {
    return CVMInfoRes.newBuilder()
        .setId(id)
        .setOvmfVersion(settings.ovmfVersion())
        .setCpuNum(settings.cpuCount())
        .setCpuType(backend.cpuType().orElse(settings.cpuType()))
        .setEosVersion(settings.eosVersion())
        .build();
  }

  private int running() {
    int n = 0;
    for (Vm vm : vms.values()) {
      if (vm.phase != Phase.ENDED) {
        n++;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- following the agents

  private void follow(Vm vm) {
    vm.instance
        .exit()
        .thenAcceptAsync(
            exit -> {
              try {
                ended(vm, exit);
              } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "CVM " + vm.id + ": cleaning up after its end failed", e);
              }
            },
            timer);
  }

  private void ended(Vm vm, VmExit exit) {
    synchronized (lock) {
      if (closed || vm.phase != Phase.RUNNING || vms.get(vm.id) != vm) {
        return; // removed on purpose, or the manager is stopping
      }
      vm.phase = Phase.ENDED;
    }
    LOG.log(
        Level.WARNING,
        "CVM {0}: {1} ended unexpectedly ({2}); last output:\n  {3}",
        vm.id,
        vm.instance.describe(),
        exit.describe(),
        String.join("\n  ", exit.lastOutput()));
    if (!vm.computationId.isEmpty()) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("cvm_id", vm.id);
      if (exit.exitCode().isPresent()) {
        details.put("exit_code", exit.exitCode().getAsInt());
      }
      details.put("last_output", new ArrayList<Object>(exit.lastOutput()));
      registry.fail(
          vm.computationId,
          "VmExited",
          "the agent of CVM " + vm.id + " ended unexpectedly (" + exit.describe() + ")",
          details);
    }
    wipeQuietly(vm.launch.vmDir());
    deleteRecord(vm.id);
    settings.ports().release(vm.port);
  }

  private void scheduleTtl(Vm vm) {
    if (vm.ttlDeadline == null) {
      return;
    }
    long delay = Math.max(0, Duration.between(clock.instant(), vm.ttlDeadline).toMillis());
    ScheduledFuture<?> f =
        timer.schedule(
            () -> {
              LOG.log(Level.INFO, "CVM {0}: time-to-live reached, removing it", vm.id);
              if (!vm.computationId.isEmpty()) {
                registry.managerEvent(
                    vm.computationId,
                    "TtlExpired",
                    "",
                    "CVM " + vm.id + " reached its time-to-live",
                    Map.of("cvm_id", vm.id),
                    null);
              }
              // Removal blocks for up to the stop grace period: not on the shared timer thread.
              Thread remover =
                  new Thread(
                      () -> {
                        try {
                          remove(vm.id);
                        } catch (ManagerException e) {
                          if (e.reason() != Reason.NOT_FOUND) {
                            LOG.log(Level.WARNING, "CVM " + vm.id + ": " + e.getMessage());
                          }
                        }
                      },
                      "cocos-manager-ttl-" + vm.id);
              remover.setDaemon(true);
              remover.start();
            },
            delay,
            TimeUnit.MILLISECONDS);
    synchronized (lock) {
      vm.ttl = f;
    }
  }

  // ------------------------------------------------------------------------ persistence

  private void saveRecord(Vm vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", FORMAT_VERSION);
    m.put("id", vm.id);
    m.put("computation_id", vm.computationId);
    m.put("port", vm.port);
    m.put("created", vm.created.toString());
    m.put("ttl_deadline", vm.ttlDeadline == null ? "" : vm.ttlDeadline.toString());
    m.put("backend", backend.name());
    m.put("backend_state", new TreeMap<>(vm.instance.state()));
    m.put("aa_kbc_params_present", !vm.launch.aaKbcParams().isEmpty());
    try {
      SecureFiles.replacePrivate(vmsDir.resolve(vm.id + ".json"), Json.write(m));
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "CVM "
              + vm.id
              + ": record not written ("
              + e.getMessage()
              + "); a restarted manager"
              + " will not find it");
    }
  }

  private void deleteRecord(String id) {
    try {
      Files.deleteIfExists(vmsDir.resolve(id + ".json"));
    } catch (IOException e) {
      LOG.log(Level.WARNING, "CVM " + id + ": record not deleted: " + e.getMessage());
    }
  }

  /**
   * Re-attaches to the agents of a previous manager run, from the VM records.
   *
   * @return how many agents were re-attached
   */
  int restore() {
    List<Path> records;
    List<Path> folders;
    try (Stream<Path> s = Files.list(vmsDir)) {
      List<Path> all = s.sorted().toList();
      records = all.stream().filter(p -> p.getFileName().toString().endsWith(".json")).toList();
      folders = all.stream().filter(Files::isDirectory).toList();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot list " + vmsDir + ": " + e.getMessage());
      return 0;
    }
    int attached = 0;
    List<String> known = new ArrayList<>();
    for (Path record : records) {
      String id = record.getFileName().toString().replaceFirst("\\.json$", "");
      known.add(id);
      try {
        if (restore(id, Json.Obj.of(Json.read(Files.readAllBytes(record)), record.toString()))) {
          attached++;
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "skipping VM record " + record + ": " + e.getMessage());
      }
    }
    for (Path folder : folders) {
      if (!known.contains(folder.getFileName().toString())) {
        LOG.log(Level.INFO, "wiping {0}: a VM folder without a record", folder);
        wipeQuietly(folder);
      }
    }
    return attached;
  }

  private boolean restore(String id, Json.Obj o) throws IOException {
    if (!id.equals(o.string("id")) || o.number("version", 0) != FORMAT_VERSION) {
      throw new IOException("id or format version does not match");
    }
    if (!backend.name().equals(o.string("backend"))) {
      LOG.log(
          Level.WARNING,
          "CVM {0} was started by backend ''{1}'', this manager runs ''{2}'': left alone",
          id,
          o.string("backend"),
          backend.name());
      return false;
    }
    String computationId = o.string("computation_id", "");
    int port = (int) o.number("port", 0);
    Path dir = vmsDir.resolve(id);
    Map<String, String> state = new HashMap<>();
    Json.Obj bs = o.obj("backend_state");
    for (Map.Entry<?, ?> e : bs.map().entrySet()) {
      state.put(e.getKey().toString(), String.valueOf(e.getValue()));
    }
    Map<String, String> environment = readEnvironment(dir.resolve("env").resolve("environment"));
    VmLaunch launch =
        new VmLaunch(id, port, dir, dir.resolve("certs"), dir.resolve("env"), environment, "");
    Optional<VmInstance> instance = backend.reattach(launch, state);
    if (instance.isEmpty()) {
      LOG.log(Level.WARNING, "CVM {0}: its agent ended while the manager was down", id);
      if (!computationId.isEmpty()) {
        registry.fail(
            computationId,
            "VmLost",
            "the agent of CVM " + id + " ended while the manager was down",
            Map.of("cvm_id", id));
      }
      wipeQuietly(dir);
      deleteRecord(id);
      return false;
    }
    String deadline = o.string("ttl_deadline", "");
    Vm vm =
        new Vm(
            id,
            computationId,
            port,
            Instant.parse(o.string("created")),
            deadline.isEmpty() ? null : Instant.parse(deadline),
            launch);
    vm.instance = instance.get();
    settings.ports().hold(port);
    synchronized (lock) {
      vms.put(id, vm);
    }
    follow(vm);
    scheduleTtl(vm);
    if (!computationId.isEmpty()) {
      registry.managerEvent(
          computationId,
          "VmReattached",
          "",
          "the restarted manager re-attached to " + vm.instance.describe() + " of CVM " + id,
          Map.of("cvm_id", id),
          null);
    }
    LOG.log(Level.INFO, "re-attached to {0} of CVM {1}", vm.instance.describe(), id);
    return true;
  }

  private static Map<String, String> readEnvironment(Path file) {
    Map<String, String> env = new TreeMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      // Not needed to re-attach a process; a VM backend that needs it will say so.
    }
    return env;
  }

  private static void wipeQuietly(Path dir) {
    try {
      SecureFiles.wipe(dir);
    } catch (IOException e) {
      LOG.log(Level.ERROR, "cannot wipe " + dir + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------- shutdown

  /**
   * Stops following the VMs. Their agents keep running, and their records stay for the next
   * manager, unless {@code stopAgentsOnShutdown} is set: then every VM is removed first.
   */
  @Override
  public void close() {
    List<String> ids;
    synchronized (lock) {
      ids = List.copyOf(vms.keySet());
      for (Vm vm : vms.values()) {
        if (vm.ttl != null) {
          vm.ttl.cancel(false);
        }
      }
    }
    if (settings.stopAgentsOnShutdown()) {
      List<Thread> removers = new ArrayList<>();
      for (String id : ids) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    remove(id);
                  } catch (ManagerException e) {
                    LOG.log(Level.WARNING, "CVM " + id + ": " + e.getMessage());
                  }
                },
                "cocos-manager-remove-" + id);
        t.start();
        removers.add(t);
      }
      for (Thread t : removers) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    } else if (!ids.isEmpty()) {
      LOG.log(
          Level.INFO,
          "leaving {0} agents running for the next manager (stopAgentsOnShutdown=false)",
          Integer.toString(ids.size()));
    }
    synchronized (lock) {
      closed = true;
      vms.clear();
    }
  }
}
