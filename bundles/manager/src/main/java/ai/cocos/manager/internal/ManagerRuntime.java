package ai.cocos.manager.internal;

import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manager.VmBackend;
import ai.cocos.manifest.ManifestParser;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The manager's state, shared by its three gRPC services: the computation registry, the agent
 * streams and the VMs (over the backend {@code MANAGER_BACKEND} names: host processes, or QEMU
 * VMs). Configured by PID {@value #PID}, and the QEMU backend by PID {@code ai.cocos.manager.qemu}
 * ({@link QemuConfig}).
 *
 * <p>Activation loads the persisted computations and re-attaches to the agents a previous manager
 * left running. Deactivation leaves the agents running (CocosAI's behaviour; the next manager
 * re-attaches) unless {@link ManagerConfig#stopAgentsOnShutdown()} is set, and writes what is
 * unsaved.
 */
@Component(
    service = ManagerRuntime.class,
    configurationPid = ManagerRuntime.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ManagerConfig.class)
public final class ManagerRuntime {
  /** The configuration PID. */
  public static final String PID = "ai.cocos.manager";

  /** How many queued messages a slow {@code Watch} client may fall behind. */
  static final int WATCH_QUEUE_LIMIT = 10_000;

  private static final Logger LOG = System.getLogger(ManagerRuntime.class.getName());

  private final ScheduledExecutorService timer;
  private final StateLock lock;
  private final ComputationRegistry registry;
  private final AgentLinks links;
  private final VmManager vms;
  private final VmBackend backend;

  /**
   * Starts the manager with the configured backend.
   *
   * @param config the configuration
   * @param qemu the QEMU backend's configuration (PID {@code ai.cocos.manager.qemu}), used when
   *     {@link ManagerConfig#backend()} is {@code qemu}
   * @throws IOException if the state folder cannot be created
   * @throws IllegalArgumentException naming the setting, if the configuration is invalid (the owner
   *     key does not parse, the port range is malformed, an unknown backend)
   */
  @Activate
  public ManagerRuntime(ManagerConfig config, @Reference QemuSettings qemu) throws IOException {
    this(
        config,
        backend(config, qemu.config(), System.getenv()),
        Clock.systemUTC(),
        OperatorAgentSettings.from(System.getenv()));
  }

  /**
   * The configured backend.
   *
   * @param config the manager's configuration ({@code MANAGER_BACKEND})
   * @param qemu the QEMU backend's configuration
   * @param env the manager's environment (backends pass on only what is not secret)
   * @return the backend
   * @throws IllegalArgumentException naming the setting, if the backend is unknown or its
   *     configuration invalid
   */
  static VmBackend backend(ManagerConfig config, QemuConfig qemu, Map<String, String> env) {
    String name = config.backend().trim().toLowerCase(java.util.Locale.ROOT);
    return switch (name) {
      case ProcessVmBackend.NAME ->
          new ProcessVmBackend(config.agentAssembly(), ProcessVmBackend.currentJava(), env);
      case QemuVmBackend.NAME ->
          new QemuVmBackend(qemu, config.cpu(), config.smpCount(), HostPlatform.real(), env);
      default ->
          throw new IllegalArgumentException(
              "MANAGER_BACKEND must be process or qemu; found '" + config.backend() + "'");
    };
  }

  /**
   * Starts the manager with a given backend (tests, or a future backend choice).
   *
   * @param config the configuration
   * @param backend the VM backend
   * @param clock the clock of the manager's events and TTLs
   * @throws IOException if the state folder cannot be created
   */
  ManagerRuntime(ManagerConfig config, VmBackend backend, Clock clock) throws IOException {
    this(config, backend, clock, Map.of());
  }

  /**
   * Starts the manager with a given backend and the operator's agent settings.
   *
   * @param config the configuration
   * @param backend the VM backend
   * @param clock the clock of the manager's events and TTLs
   * @param agentSettings what every agent gets in its environment (see {@link
   *     OperatorAgentSettings})
   * @throws IOException if the state folder cannot be created
   */
  ManagerRuntime(
      ManagerConfig config, VmBackend backend, Clock clock, Map<String, String> agentSettings)
      throws IOException {
    this.backend = backend;
    Optional<PublicKey> owner = ownerKey(config.ownerKey());
    PortAllocator ports = new PortAllocator(config.hostFwdRange());
    this.lock = lockStateDir(stateDir(config.stateDir()), !config.stateDir().isBlank());
    Path stateDir = lock.dir();
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "cocos-manager-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    this.timer = Executors.unconfigurableScheduledExecutorService(executor);
    int attached;
    try {
      this.registry =
          new ComputationRegistry(
              new ComputationRegistry.Settings(
                  new ManifestParser(), owner, config.maxEvents(), Optional.of(stateDir), clock),
              timer);
      this.links = new AgentLinks(registry);
      this.vms =
          new VmManager(
              new VmManager.Settings(
                  stateDir,
                  config.maxVms(),
                  ports,
                  Duration.ofMillis(config.stopGraceMillis()),
                  config.stopAgentsOnShutdown(),
                  config.ovmfVersion(),
                  config.smpCount(),
                  config.cpu(),
                  config.eosVersion(),
                  agentSettings),
              backend,
              registry,
              links,
              timer,
              clock);
      attached = vms.restore();
    } catch (IOException | RuntimeException e) {
      timer.shutdownNow();
      lock.close();
      closeBackend();
      throw e;
    }
    LOG.log(
        Level.INFO,
        "manager ready: state in {0}, backend {1}, ports {2}, at most {3} VMs{4}{5}",
        stateDir,
        backend.name(),
        ports.range(),
        config.maxVms() == 0 ? "unlimited" : Integer.toString(config.maxVms()),
        owner.isPresent()
            ? ", manifests must be signed by " + PemKeys.fingerprint(owner.get())
            : "",
        attached > 0 ? ", re-attached " + attached + " agents" : "");
  }

  /**
   * Makes the state folder this manager's own.
   *
   * @param dir the folder
   * @param explicit whether it was configured ({@code MANAGER_STATE_DIR}) rather than the default
   * @return the lock of the folder the manager uses
   * @throws IllegalStateException if a configured folder is in use by another manager
   */
  private static StateLock lockStateDir(Path dir, boolean explicit) throws IOException {
    SecureFiles.privateDir(dir);
    Optional<StateLock> taken = StateLock.tryAcquire(dir);
    if (taken.isPresent()) {
      return taken.get();
    }
    if (explicit) {
      throw new IllegalStateException(
          "the state folder "
              + dir
              + " (MANAGER_STATE_DIR) is in use by "
              + StateLock.holder(dir)
              + ": give this manager a folder of its own");
    }
    // The default folder is busy (a manager already runs, e.g. during a build): keep this one's
    // state apart rather than share agents and folders with it.
    Path own = SecureFiles.privateDir(Files.createTempDirectory("cocos-manager-"));
    LOG.log(
        Level.WARNING,
        "the default state folder {0} is in use by {1}; this manager keeps its state in {2}"
            + " (set MANAGER_STATE_DIR to choose)",
        dir,
        StateLock.holder(dir),
        own);
    return StateLock.tryAcquire(own).orElseThrow();
  }

  /** Leaves the agents running (unless configured otherwise) and saves what is unsaved. */
  @Deactivate
  public void close() {
    vms.close();
    closeBackend();
    links.close();
    timer.shutdown();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    registry.close();
    lock.close();
  }

  /** Lets go of the VMs (the QEMU backend's QMP connections); they keep running. */
  private void closeBackend() {
    if (backend instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing the " + backend.name() + " backend: " + e.getMessage());
      }
    }
  }

  ComputationRegistry registry() {
    return registry;
  }

  AgentLinks links() {
    return links;
  }

  VmManager vms() {
    return vms;
  }

  static Path stateDir(String configured) {
    String dir = configured.trim();
    return dir.isEmpty()
        ? Path.of(System.getProperty("java.io.tmpdir"), "cocos-manager").toAbsolutePath()
        : Path.of(dir).toAbsolutePath().normalize();
  }

  static Optional<PublicKey> ownerKey(String configured) {
    String value = configured.trim();
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String pem = value;
    if (!value.startsWith("-----BEGIN")) {
      try {
        pem = Files.readString(Path.of(value), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "MANAGER_OWNER_KEY names a file that cannot be read: " + e.getMessage(), e);
      }
    }
    try {
      return Optional.of(PemKeys.checkAccepted(PemKeys.parsePublicKey(pem)));
    } catch (KeyFormatException e) {
      throw new IllegalArgumentException(
          "MANAGER_OWNER_KEY is not an accepted public key: " + e.getMessage(), e);
    }
  }
}
