package ai.cocos.transport.grpc.internal;

import ai.cocos.transport.grpc.ServerKeyManagers;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

/**
 * The key manager service an endpoint's configuration names ({@link ServerKeyManagers}), followed
 * while the endpoint runs: every handshake asks the service, and once it is unregistered (its
 * bundle stopped, the agent's computation over) handshakes get no certificate and fail, never a
 * stale one.
 */
final class KeyManagerService extends X509ExtendedKeyManager
    implements ServiceListener, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(KeyManagerService.class.getName());

  private final BundleContext context;
  private final ServiceReference<X509ExtendedKeyManager> reference;
  private final String name;
  private volatile X509ExtendedKeyManager delegate;

  private KeyManagerService(
      BundleContext context,
      ServiceReference<X509ExtendedKeyManager> reference,
      String name,
      X509ExtendedKeyManager delegate) {
    this.context = context;
    this.reference = reference;
    this.name = name;
    this.delegate = delegate;
  }

  /**
   * Gets the key manager service of a name (the highest ranked if several) and follows it.
   *
   * @param context the transport bundle's context; {@code null} outside a framework
   * @param endpoint the endpoint's name, for messages
   * @param name the key manager's name
   * @return the followed service; close it when the endpoint closes
   * @throws EndpointStartException if there is no framework or no such service
   */
  static KeyManagerService get(BundleContext context, String endpoint, String name)
      throws EndpointStartException {
    if (context == null) {
      throw new EndpointStartException(
          "gRPC endpoint '"
              + endpoint
              + "' cannot use key manager '"
              + name
              + "': key manager services need an OSGi framework",
          null);
    }
    String filter = "(" + ServerKeyManagers.SERVICE_PROPERTY + "=" + name + ")";
    Collection<ServiceReference<X509ExtendedKeyManager>> refs;
    try {
      refs = context.getServiceReferences(X509ExtendedKeyManager.class, filter);
    } catch (InvalidSyntaxException e) {
      throw new IllegalArgumentException("key manager name '" + name + "'", e);
    }
    Optional<ServiceReference<X509ExtendedKeyManager>> best =
        refs.stream().max(Comparator.naturalOrder()); // ranking, then the oldest
    if (best.isEmpty()) {
      throw new EndpointStartException(
          "gRPC endpoint '"
              + endpoint
              + "' cannot start TLS: no key manager service named '"
              + name
              + "' ("
              + ServerKeyManagers.SERVICE_PROPERTY
              + ") is registered",
          null);
    }
    ServiceReference<X509ExtendedKeyManager> ref = best.get();
    X509ExtendedKeyManager km = context.getService(ref);
    if (km == null) {
      throw new EndpointStartException(
          "gRPC endpoint '" + endpoint + "': key manager service '" + name + "' went away", null);
    }
    KeyManagerService followed = new KeyManagerService(context, ref, name, km);
    try {
      context.addServiceListener(
          followed, "(" + Constants.SERVICE_ID + "=" + ref.getProperty(Constants.SERVICE_ID) + ")");
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    if (ref.getBundle() == null) {
      followed.delegate = null; // unregistered before the listener was added
    }
    return followed;
  }

  /**
   * The key manager, while its service is registered.
   *
   * @return the service object
   */
  Optional<X509ExtendedKeyManager> current() {
    return Optional.ofNullable(delegate);
  }

  @Override
  public void serviceChanged(ServiceEvent event) {
    if (event.getType() == ServiceEvent.UNREGISTERING) {
      delegate = null;
      LOG.log(
          Level.INFO,
          "key manager ''{0}'' was unregistered: TLS handshakes fail until the endpoint is"
              + " reconfigured",
          name);
    }
  }

  /** Stops following the service and releases it. */
  @Override
  public void close() {
    delegate = null;
    try {
      context.removeServiceListener(this);
      context.ungetService(reference);
    } catch (IllegalStateException e) {
      // the transport bundle is stopping: the framework releases everything
    }
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    X509ExtendedKeyManager d = delegate;
    return d == null ? null : d.chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    X509ExtendedKeyManager d = delegate;
    return d == null ? null : d.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    X509ExtendedKeyManager d = delegate;
    return d == null ? null : d.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    X509ExtendedKeyManager d = delegate;
    return d == null ? null : d.getPrivateKey(alias);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    X509ExtendedKeyManager d = delegate;
    return d == null ? null : d.getServerAliases(keyType, issuers);
  }

  /** A server endpoint presents no client certificate. */
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  /** A server endpoint presents no client certificate. */
  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  /** A server endpoint presents no client certificate. */
  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return null;
  }

  @Override
  public String toString() {
    return "key manager service '" + name + "'";
  }
}
