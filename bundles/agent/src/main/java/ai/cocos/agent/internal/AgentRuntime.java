package ai.cocos.agent.internal;

import ai.cocos.agent.Agent;
import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.State;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.tee.RuntimeMeasurements;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The agent as a Declarative Services component: offers {@link Agent}, configured by PID {@value
 * #PID} ({@link AgentRuntimeConfig}), and finds workload runners through the core's {@link
 * PluginRegistry} when a run starts (so runners may come and go meanwhile).
 *
 * <p>Activation is light: nothing is created on disk until the first computation starts.
 * Deactivation (bundle stopped or updated, configuration changed) stops the current computation,
 * which wipes it: no computation's data outlives the component that was guarding it.
 */
@Component(service = Agent.class, configurationPid = AgentRuntime.PID)
@Designate(ocd = AgentRuntimeConfig.class)
public final class AgentRuntime implements Agent {
  /** The configuration PID. */
  public static final String PID = "ai.cocos.agent";

  private static final System.Logger LOG = System.getLogger(AgentRuntime.class.getName());

  private final AgentSettings settings;
  private final RunnerLookup runners;
  private final Clock clock;
  private final DiskSpace space;
  private final ScheduledThreadPoolExecutor executor;
  private final List<AgentListener> listeners = new CopyOnWriteArrayList<>();
  private final ManifestMeasurement measurement = new ManifestMeasurement();
  private final Object lock = new Object();
  private Computation current;
  private boolean closed;

  /**
   * Activates the agent.
   *
   * @param config the configuration
   * @param plugins the core's plugin registry, asked for the runner at each run
   * @throws IllegalArgumentException naming an invalid configuration value
   */
  @Activate
  public AgentRuntime(
      AgentRuntimeConfig config, @Reference(name = "plugins") PluginRegistry plugins) {
    this(AgentSettings.from(config), plugins::runner, Clock.systemUTC(), DiskSpace.FILE_STORE);
  }

  /**
   * Creates an agent with explicit parts (tests, plain class-path use).
   *
   * @param settings the validated settings
   * @param runners finds the runner for an algorithm type
   * @param clock the clock for signatures and events
   * @param space how free disk space is measured
   */
  AgentRuntime(AgentSettings settings, RunnerLookup runners, Clock clock, DiskSpace space) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.runners = Objects.requireNonNull(runners, "runners");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.space = Objects.requireNonNull(space, "space");
    AtomicInteger n = new AtomicInteger();
    this.executor =
        new ScheduledThreadPoolExecutor(
            2,
            task -> {
              Thread t = new Thread(task, "cocos-agent-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.executor.setRemoveOnCancelPolicy(true);
    LOG.log(
        Level.INFO,
        () ->
            "agent ready: work folder "
                + settings.workDir()
                + (settings.legacyAuth() ? ", LEGACY signatures accepted" : ""));
  }

  /**
   * The work folder a configured value names ({@link AgentRuntimeConfig#workDir()}): other parts of
   * the agent keep their private files beside the computations' folders.
   *
   * @param configured the configured folder; blank for {@code cocos-agent} under {@code
   *     java.io.tmpdir}
   * @return the absolute, normalised folder
   */
  public static Path workDir(String configured) {
    String dir = configured == null || configured.isBlank() ? null : configured.trim();
    Path workDir =
        dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "cocos-agent");
    return workDir.toAbsolutePath().normalize();
  }

  /**
   * A service that measures accepted manifests (the vTPM provider) arrived.
   *
   * @param service the service
   */
  @Reference(
      name = "measurements",
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      unbind = "removeMeasurements")
  void addMeasurements(RuntimeMeasurements service) {
    measurement.add(service);
  }

  void removeMeasurements(RuntimeMeasurements service) {
    measurement.remove(service);
  }

  @Override
  public ComputationService start(Manifest manifest) throws AgentException {
    Objects.requireNonNull(manifest, "manifest");
    // The manifest measurement's events are delivered when the hold closes, after the lock.
    EventBus bus = new EventBus(manifest.id(), clock, listeners);
    try (EventBus.Hold held = bus.hold()) {
      return startLocked(manifest, bus);
    }
  }

  private ComputationService startLocked(Manifest manifest, EventBus bus) throws AgentException {
    synchronized (lock) {
      if (closed) {
        throw new AgentException(Kind.INTERNAL, "the agent is shutting down");
      }
      if (current != null && !current.finished()) {
        throw new AgentException(
            Kind.BUSY,
            "computation already running: "
                + current.id()
                + " is in state "
                + current.state()
                + "; stop it, or wait until its results are fetched or expire");
      }
      try {
        // Refuse now what could never run, before any party uploads a byte. The runner is looked
        // up again when the run starts (runners may be updated meanwhile).
        runners.runner(manifest.algorithm().type());
      } catch (RunnerUnavailableException e) {
        throw new AgentException(
            Kind.REJECTED,
            "manifest refused: its algorithm type '"
                + manifest.algorithm().type()
                + "' cannot run on this agent: "
                + e.getMessage(),
            e);
      }
      // Measured (PCR16) before the computation exists, hence before any upload can reach it.
      measurement.measure(manifest, bus);
      current = Computation.create(manifest, settings, clock, space, runners, executor, listeners);
      LOG.log(Level.INFO, "computation " + manifest.id() + " started");
      return current;
    }
  }

  @Override
  public Optional<ComputationService> current() {
    synchronized (lock) {
      return Optional.ofNullable(current);
    }
  }

  /** The current computation as the implementation (tests). */
  Optional<Computation> currentComputation() {
    synchronized (lock) {
      return Optional.ofNullable(current);
    }
  }

  @Override
  public State state() {
    Computation c;
    synchronized (lock) {
      c = current;
    }
    return c == null || c.finished() ? State.ReceivingManifest : c.state();
  }

  @Override
  public AgentListener.Subscription subscribe(AgentListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Stops the current computation (wiping it) and the agent's threads. */
  @Deactivate
  void deactivate() {
    Computation c;
    synchronized (lock) {
      closed = true;
      c = current;
    }
    if (c != null) {
      c.stop();
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
