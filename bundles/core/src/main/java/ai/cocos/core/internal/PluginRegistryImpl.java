package ai.cocos.core.internal;

import ai.cocos.api.lifecycle.LifecycleEvent;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginInfo.Kind;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.transport.Transport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Tracks runner, TEE-provider and transport plugins as they come and go (dynamic references), and
 * answers which one serves a type. Publishes a lifecycle event for each arrival, departure and
 * refusal.
 */
@Component(service = PluginRegistry.class, immediate = true)
public final class PluginRegistryImpl implements PluginRegistry {
  private final LifecycleBus bus;
  private final Map<Long, Entry> entries = new ConcurrentHashMap<>();

  /** Runners refused only because their host check failed: asked again when they are wanted. */
  private final java.util.Set<Long> hostRefused = ConcurrentHashMap.newKeySet();

  /**
   * Creates the registry.
   *
   * @param bus where lifecycle events go
   */
  @Activate
  public PluginRegistryImpl(@Reference LifecycleBus bus) {
    this.bus = bus;
  }

  /** One plugin service and what is known of it. */
  private record Entry(PluginInfo info, Object service, int ranking, Version version, long id) {}

  private static final Comparator<Entry> BEST_FIRST =
      Comparator.comparingInt(Entry::ranking)
          .thenComparing(Entry::version)
          .reversed()
          .thenComparingLong(Entry::id);

  // --- runners ---

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      service = WorkloadRunner.class)
  void addRunner(WorkloadRunner runner, ServiceReference<WorkloadRunner> ref) {
    String type = runner.type();
    String refusal = mismatch(ref, WorkloadRunner.TYPE_PROPERTY, "type()", type);
    boolean hostCheck = refusal.isEmpty();
    if (hostCheck) {
      refusal = hostRefusal(runner);
    }
    if (hostCheck && !refusal.isEmpty()) {
      hostRefused.add((Long) ref.getProperty(Constants.SERVICE_ID));
    }
    add(Kind.RUNNER, type, runner, ref, refusal);
  }

  void removeRunner(WorkloadRunner runner, ServiceReference<WorkloadRunner> ref) {
    hostRefused.remove((Long) ref.getProperty(Constants.SERVICE_ID));
    remove(ref);
  }

  private static String hostRefusal(WorkloadRunner runner) {
    try {
      runner.checkHost();
      return "";
    } catch (RunnerUnavailableException e) {
      return e.getMessage();
    } catch (RuntimeException e) {
      return "host check failed: " + e;
    }
  }

  /**
   * Asks a runner refused for its host again (an engine or interpreter may have been installed or
   * started since), and makes it active if the check now passes.
   */
  private synchronized Optional<Entry> recheck(String type) {
    for (Long id : List.copyOf(hostRefused)) {
      Entry e = entries.get(id);
      if (e == null || !e.info().id().equals(type) || e.info().kind() != Kind.RUNNER) {
        continue;
      }
      String refusal = hostRefusal((WorkloadRunner) e.service());
      PluginInfo old = e.info();
      PluginInfo now =
          new PluginInfo(
              old.kind(), old.id(), old.bundle(), old.version(), refusal.isEmpty(), refusal);
      Entry updated = new Entry(now, e.service(), e.ranking(), e.version(), e.id());
      if (!entries.replace(id, e, updated)) {
        continue; // removed or replaced meanwhile
      }
      if (refusal.isEmpty()) {
        hostRefused.remove(id);
        bus.publish(
            LifecycleEvent.Type.PLUGIN_ADDED,
            key(Kind.RUNNER, type),
            old.version(),
            "runner '"
                + type
                + "' available from "
                + old.bundle()
                + " "
                + old.version()
                + " (its host check passes now)");
        return Optional.of(updated);
      }
    }
    return Optional.empty();
  }

  // --- TEE providers ---

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      service = TeeProvider.class)
  void addTeeProvider(TeeProvider provider, ServiceReference<TeeProvider> ref) {
    String platform = provider.platform();
    String refusal = mismatch(ref, TeeProvider.PLATFORM_PROPERTY, "platform()", platform);
    add(Kind.TEE, platform, provider, ref, refusal);
  }

  void removeTeeProvider(TeeProvider provider, ServiceReference<TeeProvider> ref) {
    remove(ref);
  }

  // --- transports ---

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      service = Transport.class)
  void addTransport(Transport transport, ServiceReference<Transport> ref) {
    add(Kind.TRANSPORT, transport.endpoint(), transport, ref, "");
  }

  void removeTransport(Transport transport, ServiceReference<Transport> ref) {
    remove(ref);
  }

  private void add(Kind kind, String id, Object service, ServiceReference<?> ref, String refusal) {
    String bundle = ref.getBundle().getSymbolicName();
    Version version = ref.getBundle().getVersion();
    String detail = refusal;
    if (kind == Kind.TRANSPORT) {
      detail =
          stringProperty(ref, Transport.PROTOCOL_PROPERTY)
              + " "
              + stringProperty(ref, Transport.ADDRESS_PROPERTY);
    }
    boolean active = refusal.isEmpty();
    PluginInfo info = new PluginInfo(kind, id, bundle, version.toString(), active, detail);
    Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
    long serviceId = (Long) ref.getProperty(Constants.SERVICE_ID);
    entries.put(
        serviceId,
        new Entry(info, service, ranking instanceof Integer r ? r : 0, version, serviceId));
    String name = kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + id + "'";
    if (active) {
      bus.publish(
          LifecycleEvent.Type.PLUGIN_ADDED,
          key(kind, id),
          version.toString(),
          name
              + " available from "
              + bundle
              + " "
              + version
              + (detail.isEmpty() ? "" : " at " + detail));
    } else {
      bus.publish(
          LifecycleEvent.Type.PLUGIN_REFUSED,
          key(kind, id),
          version.toString(),
          name + " from " + bundle + " " + version + " refused: " + refusal);
    }
  }

  private void remove(ServiceReference<?> ref) {
    Entry e = entries.remove((Long) ref.getProperty(Constants.SERVICE_ID));
    if (e != null) {
      PluginInfo i = e.info();
      bus.publish(
          LifecycleEvent.Type.PLUGIN_REMOVED,
          key(i.kind(), i.id()),
          i.version(),
          i.kind().name().toLowerCase(java.util.Locale.ROOT)
              + " '"
              + i.id()
              + "' from "
              + i.bundle()
              + " "
              + i.version()
              + " gone");
    }
  }

  /** Empty if the service property agrees with what the plugin says, else why it does not. */
  private static String mismatch(
      ServiceReference<?> ref, String property, String method, String value) {
    String declared = stringProperty(ref, property);
    return Objects.equals(declared, value)
        ? ""
        : "service property "
            + property
            + "="
            + declared
            + " does not match "
            + method
            + " '"
            + value
            + "'";
  }

  private static String key(Kind kind, String id) {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + id;
  }

  private static String stringProperty(ServiceReference<?> ref, String name) {
    Object v = ref.getProperty(name);
    return v == null ? "" : v.toString();
  }

  // --- queries ---

  @Override
  public List<PluginInfo> plugins() {
    List<Entry> all = new ArrayList<>(entries.values());
    all.sort(
        Comparator.comparing((Entry e) -> e.info().kind())
            .thenComparing(e -> e.info().id())
            .thenComparing(BEST_FIRST));
    return all.stream().map(Entry::info).toList();
  }

  @Override
  public WorkloadRunner runner(String type) throws RunnerUnavailableException {
    Optional<Entry> best = best(Kind.RUNNER, type);
    if (best.isEmpty()) {
      best = recheck(type);
    }
    if (best.isPresent()) {
      return (WorkloadRunner) best.get().service();
    }
    Optional<Entry> refused =
        entries.values().stream()
            .filter(e -> e.info().kind() == Kind.RUNNER && e.info().id().equals(type))
            .findFirst();
    if (refused.isPresent()) {
      throw new RunnerUnavailableException(
          "runner '" + type + "' is installed but refused: " + refused.get().info().detail());
    }
    TreeSet<String> installed = new TreeSet<>();
    entries.values().stream()
        .filter(e -> e.info().kind() == Kind.RUNNER && e.info().active())
        .forEach(e -> installed.add(e.info().id()));
    throw RunnerUnavailableException.notInstalled(type, installed);
  }

  @Override
  public Optional<TeeProvider> teeProvider(String platform) {
    return best(Kind.TEE, platform).map(e -> (TeeProvider) e.service());
  }

  @Override
  public List<TeeProvider> teeProviders() {
    return entries.values().stream()
        .filter(e -> e.info().kind() == Kind.TEE && e.info().active())
        .sorted(Comparator.comparing((Entry e) -> e.info().id()).thenComparing(BEST_FIRST))
        .map(e -> (TeeProvider) e.service())
        .toList();
  }

  private Optional<Entry> best(Kind kind, String id) {
    return entries.values().stream()
        .filter(e -> e.info().kind() == kind && e.info().id().equals(id) && e.info().active())
        .min(BEST_FIRST);
  }
}
