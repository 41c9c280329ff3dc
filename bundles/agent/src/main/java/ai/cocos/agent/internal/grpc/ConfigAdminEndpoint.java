package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.internal.grpc.TlsSwitch.Attested;
import ai.cocos.agent.internal.grpc.TlsSwitch.EndpointTls;
import ai.cocos.agent.internal.grpc.TlsSwitch.TlsFiles;
import ai.cocos.agent.internal.grpc.TlsSwitch.TlsSwitchException;
import ai.cocos.api.transport.Transport;
import ai.cocos.transport.grpc.ServerKeyManagers;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.X509ExtendedKeyManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Switches the agent's gRPC endpoint through ConfigurationAdmin: sets or removes {@code
 * tlsCertFile}, {@code tlsKeyFile}, {@code tlsKeyManager} and {@code tlsClientCaFile} in the
 * endpoint's factory configuration ({@code ai.cocos.transport.grpc~agent}). For attested TLS the
 * computation's key manager is registered as an {@code X509ExtendedKeyManager} service under a name
 * ({@link ServerKeyManagers}) that {@code tlsKeyManager} gives the endpoint, and unregistered once
 * the endpoint has switched away from it. The transport component has no {@code @Modified} method,
 * so Declarative Services deactivates it (closing the server) and activates it again with the new
 * settings on the same port (an ephemeral port, {@code 0}, is pinned to the one in use first, so
 * clients find the endpoint where it was); this waits until the new {@code Transport} service is
 * registered with the expected {@code cocos.transport.tls} mode.
 *
 * <p>TLS settings found in the configuration when the agent starts are kept as the operator's (and
 * restored on every switch back), unless they point into the switch's own folder: those are
 * leftovers of an agent that did not shut down cleanly, and are removed.
 */
final class ConfigAdminEndpoint implements TlsSwitch.Endpoint {
  /** The transport's factory PID. */
  static final String FACTORY_PID = "ai.cocos.transport.grpc";

  /** The transport's configuration keys. */
  static final String CERT = "tlsCertFile";

  static final String KEY = "tlsKeyFile";
  static final String CLIENT_CA = "tlsClientCaFile";
  static final String KEY_MANAGER = ServerKeyManagers.CONFIG;

  private static final String[] TLS_KEYS = {CERT, KEY, KEY_MANAGER, CLIENT_CA};

  /** The {@code Transport} property telling the endpoint's TLS mode. */
  static final String TLS_PROPERTY = "cocos.transport.tls";

  private static final System.Logger LOG = System.getLogger(ConfigAdminEndpoint.class.getName());

  private final ConfigurationAdmin configAdmin;
  private final BundleContext context;
  private final String endpoint;
  private final Duration timeout;
  private final Hashtable<String, Object> operatorTls = new Hashtable<>();
  private final Object registrations = new Object();
  // guarded by registrations: the key manager the endpoint serves (or is switching to)
  private ServiceRegistration<X509ExtendedKeyManager> keyManager;

  /**
   * Creates the switch's endpoint side and removes leftovers of a previous run.
   *
   * @param configAdmin where the endpoint's configuration lives
   * @param context for watching the {@code Transport} service
   * @param endpoint the endpoint's name ({@code agent})
   * @param ownFolder the folder the TLS switch writes its files in
   * @param timeout how long the endpoint may take to come back
   */
  ConfigAdminEndpoint(
      ConfigurationAdmin configAdmin,
      BundleContext context,
      String endpoint,
      Path ownFolder,
      Duration timeout) {
    this.configAdmin = Objects.requireNonNull(configAdmin, "configAdmin");
    this.context = Objects.requireNonNull(context, "context");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    try {
      Configuration c = find();
      Dictionary<String, Object> props = c == null ? null : c.getProperties();
      if (props != null) {
        boolean stale = false;
        for (String k : TLS_KEYS) {
          Object v = props.get(k);
          if (v != null && !v.toString().isBlank()) {
            if (k.equals(KEY_MANAGER)) {
              stale = true; // names a key manager of a previous run, which died with it
            } else if (Path.of(v.toString().trim())
                .toAbsolutePath()
                .normalize()
                .startsWith(ownFolder)) {
              stale = true;
            } else {
              operatorTls.put(k, v);
            }
          }
        }
        if (stale) {
          LOG.log(Level.INFO, "agent endpoint: removing TLS settings left by a previous run");
          // No waiting here: activation may run on the thread that would restart the endpoint.
          reset();
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "agent endpoint: cannot check its TLS settings: " + e.getMessage());
    }
  }

  @Override
  public void reset() {
    try {
      Configuration c = find();
      Dictionary<String, Object> current = c == null ? null : c.getProperties();
      if (current != null) {
        Hashtable<String, Object> wanted = copy(current);
        removeTls(wanted);
        wanted.putAll(operatorTls);
        if (!sameTls(current, wanted)) {
          c.update(wanted);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "agent endpoint: cannot return to plaintext: " + e.getMessage());
    } finally {
      // Not waiting for the endpoint: without its service, its handshakes fail anyway.
      replaceKeyManager(null);
    }
  }

  private static void removeTls(Hashtable<String, Object> props) {
    for (String k : TLS_KEYS) {
      props.remove(k);
    }
  }

  /** Unregisters the key manager served so far and keeps the new one's registration. */
  private void replaceKeyManager(ServiceRegistration<X509ExtendedKeyManager> next) {
    ServiceRegistration<X509ExtendedKeyManager> previous;
    synchronized (registrations) {
      previous = keyManager;
      keyManager = next;
    }
    if (previous != null && previous != next) {
      try {
        previous.unregister();
      } catch (IllegalStateException e) {
        // already gone with the bundle
      }
    }
  }

  private static Hashtable<String, Object> copy(Dictionary<String, Object> d) {
    Hashtable<String, Object> out = new Hashtable<>();
    for (Enumeration<String> keys = d.keys(); keys.hasMoreElements(); ) {
      String k = keys.nextElement();
      out.put(k, d.get(k));
    }
    return out;
  }

  @Override
  public void serve(Optional<EndpointTls> tls) throws TlsSwitchException {
    Configuration c;
    Dictionary<String, Object> current;
    try {
      c = find();
    } catch (IOException e) {
      throw new TlsSwitchException("cannot read the configuration of the agent's endpoint", e);
    }
    if (c == null || (current = c.getProperties()) == null) {
      throw new TlsSwitchException(
          "the agent's gRPC endpoint has no configuration "
              + FACTORY_PID
              + "~"
              + endpoint
              + " to switch to TLS");
    }
    Hashtable<String, Object> wanted = copy(current);
    removeTls(wanted);
    String mode;
    String keyManagerName = "";
    ServiceRegistration<X509ExtendedKeyManager> registered = null;
    if (tls.isPresent()) {
      tls.get().clientCaFile().ifPresent(ca -> wanted.put(CLIENT_CA, ca.toString()));
      mode = tls.get().clientCaFile().isPresent() ? "mtls" : "tls";
      if (tls.get() instanceof TlsFiles f) {
        wanted.put(CERT, f.certFile().toString());
        wanted.put(KEY, f.keyFile().toString());
      } else if (tls.get() instanceof Attested a) {
        keyManagerName = a.name();
        wanted.put(KEY_MANAGER, keyManagerName);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ServerKeyManagers.SERVICE_PROPERTY, keyManagerName);
        registered = context.registerService(X509ExtendedKeyManager.class, a.keyManager(), props);
      }
    } else {
      wanted.putAll(operatorTls);
      mode = operatorTls.isEmpty() ? "none" : operatorTls.containsKey(CLIENT_CA) ? "mtls" : "tls";
    }
    if (sameTls(current, wanted)) {
      if (registered != null) {
        registered.unregister(); // cannot happen: each key manager has a new name
      }
      return;
    }
    Object port = current.get("port");
    if (port == null || port.toString().trim().equals("0")) {
      // An ephemeral port would change with the restart: keep the one clients know.
      boundPort().ifPresent(p -> wanted.put("port", Integer.toString(p)));
    }
    Waiter waiter = new Waiter(mode, keyManagerName);
    try {
      context.addServiceListener(waiter, filter());
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    boolean switched = false;
    try {
      waiter.since = highestServiceId();
      c.update(wanted);
      waiter.await();
      switched = true;
    } catch (IOException e) {
      throw new TlsSwitchException("cannot update the configuration of the agent's endpoint", e);
    } finally {
      context.removeServiceListener(waiter);
      if (switched) {
        replaceKeyManager(registered); // the endpoint no longer asks the previous one
      } else if (registered != null) {
        registered.unregister();
      }
    }
  }

  private Configuration find() throws IOException {
    Configuration[] found;
    try {
      found =
          configAdmin.listConfigurations(
              "(&("
                  + ConfigurationAdmin.SERVICE_FACTORYPID
                  + "="
                  + FACTORY_PID
                  + ")(endpoint="
                  + endpoint
                  + "))");
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    return found == null || found.length == 0 ? null : found[0];
  }

  private String filter() {
    return "(&("
        + Constants.OBJECTCLASS
        + "="
        + Transport.class.getName()
        + ")("
        + Transport.ENDPOINT_PROPERTY
        + "="
        + endpoint
        + "))";
  }

  private long highestServiceId() {
    long max = -1;
    try {
      ServiceReference<?>[] refs = context.getServiceReferences((String) null, filter());
      if (refs != null) {
        for (ServiceReference<?> r : refs) {
          max = Math.max(max, (Long) r.getProperty(Constants.SERVICE_ID));
        }
      }
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    return max;
  }

  /** The port the endpoint listens on now, from its {@code Transport} service. */
  private Optional<Integer> boundPort() {
    try {
      ServiceReference<?>[] refs = context.getServiceReferences((String) null, filter());
      if (refs != null) {
        for (ServiceReference<?> r : refs) {
          Object address = r.getProperty(Transport.ADDRESS_PROPERTY);
          if (address != null) {
            String a = address.toString();
            return Optional.of(Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
          }
        }
      }
    } catch (InvalidSyntaxException | NumberFormatException e) {
      LOG.log(Level.DEBUG, "agent endpoint: cannot tell its port: " + e);
    }
    return Optional.empty();
  }

  private static boolean sameTls(Dictionary<String, Object> current, Hashtable<String, Object> w) {
    for (String k : TLS_KEYS) {
      if (!Objects.equals(text(current.get(k)), text(w.get(k)))) {
        return false;
      }
    }
    return true;
  }

  private static String text(Object v) {
    return v == null || v.toString().isBlank() ? "" : v.toString().trim();
  }

  /** Waits for the endpoint's next {@code Transport} registration in the expected mode. */
  private final class Waiter implements ServiceListener {
    private final String mode;
    private final String keyManager;
    volatile long since;
    private boolean arrived;

    Waiter(String mode, String keyManager) {
      this.mode = mode;
      this.keyManager = keyManager;
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
      if (event.getType() != ServiceEvent.REGISTERED) {
        return;
      }
      ServiceReference<?> ref = event.getServiceReference();
      Object km = ref.getProperty(ServerKeyManagers.TRANSPORT_PROPERTY);
      if ((Long) ref.getProperty(Constants.SERVICE_ID) > since
          && mode.equals(ref.getProperty(TLS_PROPERTY))
          && keyManager.equals(km == null ? "" : km.toString())) {
        synchronized (this) {
          arrived = true;
          notifyAll();
        }
      }
    }

    synchronized void await() throws TlsSwitchException {
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (!arrived) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new TlsSwitchException(
                "the agent's gRPC endpoint did not come back "
                    + (mode.equals("none")
                        ? "in plaintext"
                        : "with " + (keyManager.isEmpty() ? "" : "attested ") + mode.toUpperCase())
                    + " within "
                    + timeout.toSeconds()
                    + " s (its component may have failed to activate: see the agent's log)");
          }
          wait(Math.max(1, left / 1_000_000));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TlsSwitchException("interrupted while the agent's endpoint restarted");
      }
    }
  }
}
