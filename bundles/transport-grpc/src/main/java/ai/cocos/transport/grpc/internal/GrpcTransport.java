package ai.cocos.transport.grpc.internal;

import ai.cocos.api.transport.Transport;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import java.util.Collection;
import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509ExtendedKeyManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * A gRPC endpoint per factory configuration ({@code ai.cocos.transport.grpc~agent}, {@code
 * ai.cocos.transport.grpc~manager}), fed by the whiteboard: every {@link BindableService} service
 * whose {@value Transport#ENDPOINT_PROPERTY} property names this endpoint (a string, or an array or
 * collection of strings) is served while it is registered; among services with the same gRPC
 * service name the one with the highest {@code service.ranking} is served.
 *
 * <p>The {@link Transport} service is registered by hand once the server listens, and unregistered
 * before it stops, so its presence means "listening". Activation fails, naming {@code host:port},
 * when the address cannot be bound. The reference's target ({@code BindableService.target}) selects
 * every service with the endpoint property; a configuration may narrow it.
 *
 * <p>TLS: {@code tlsCertFile} and {@code tlsKeyFile} serve TLS 1.3/1.2, {@code tlsClientCaFile}
 * also requires client certificates (see {@link GrpcTransportConfig}); activation fails naming a
 * file that is missing or invalid. The {@link Transport} registration carries {@code
 * cocos.transport.tls} = {@code none}, {@code tls} or {@code mtls}. With {@code tlsKeyManager} the
 * certificate comes, per connection, from the key manager service of that name ({@link
 * ai.cocos.transport.grpc.ServerKeyManagers}; TLS 1.3 only); activation fails if none is
 * registered, and handshakes fail once it is unregistered. There is deliberately no
 * {@code @Modified} method: any configuration change (the agent switching its endpoint to a
 * computation's certificate) deactivates the component, closing the server with the grace period,
 * and activates it anew with the new settings on the configured port.
 */
@Component(
    configurationPid = GrpcTransport.FACTORY_PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    service = {})
@Designate(ocd = GrpcTransportConfig.class, factory = true)
public final class GrpcTransport {
  /** The factory PID of endpoint configurations. */
  public static final String FACTORY_PID = "ai.cocos.transport.grpc";

  private static final System.Logger LOG = System.getLogger(GrpcTransport.class.getName());

  private final GrpcEndpoint endpoint;
  private final ServiceRegistration<Transport> registration;

  /** The key manager service the configuration names, if any. */
  private final KeyManagerService keyManager;

  /** Contributions by the contributing service's {@code service.id}. */
  private final Map<Long, GrpcEndpoint.Contribution> contributions = new ConcurrentHashMap<>();

  /**
   * Starts listening and registers the {@link Transport} service.
   *
   * @param config the endpoint's configuration
   * @param context this bundle's context; {@code null} outside a framework (no service is
   *     registered then)
   * @throws EndpointStartException if the endpoint cannot listen, or a TLS file is missing or
   *     invalid (naming the file)
   * @throws IllegalArgumentException if the configuration is invalid, naming the property
   */
  @Activate
  public GrpcTransport(GrpcTransportConfig config, BundleContext context)
      throws EndpointStartException {
    GrpcEndpoint.Settings settings = GrpcEndpoint.Settings.from(config);
    Optional<String> kmName = settings.tls().flatMap(GrpcEndpoint.TlsSettings::keyManager);
    keyManager =
        kmName.isPresent()
            ? KeyManagerService.get(context, settings.endpoint(), kmName.get())
            : null;
    try {
      endpoint =
          GrpcEndpoint.open(
              settings, Optional.ofNullable(keyManager).map(k -> (X509ExtendedKeyManager) k));
    } catch (EndpointStartException | RuntimeException e) {
      if (keyManager != null) {
        keyManager.close();
      }
      throw e;
    }
    ServiceRegistration<Transport> registered = null;
    if (context != null) {
      try {
        registered =
            context.registerService(
                Transport.class, endpoint, new Hashtable<>(endpoint.serviceProperties()));
      } catch (RuntimeException e) {
        endpoint.close();
        if (keyManager != null) {
          keyManager.close();
        }
        throw e;
      }
    }
    registration = registered;
    LOG.log(System.Logger.Level.INFO, "{0} is listening", endpoint);
  }

  /**
   * The endpoint this component runs.
   *
   * @return the endpoint, also the registered {@link Transport} service
   */
  Transport transport() {
    return endpoint;
  }

  /** Unregisters the {@link Transport} service, then stops the server within the grace period. */
  @Deactivate
  void deactivate() {
    if (registration != null) {
      try {
        registration.unregister();
      } catch (IllegalStateException e) {
        // Already unregistered: the framework does so when this bundle stops.
      }
    }
    endpoint.close();
    if (keyManager != null) {
      keyManager.close();
    }
    LOG.log(System.Logger.Level.INFO, "{0} is closed", endpoint);
  }

  /**
   * Serves a whiteboard service if it names this endpoint.
   *
   * @param service the service
   * @param properties its service properties
   */
  @Reference(
      name = "BindableService",
      service = BindableService.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      target = "(" + Transport.ENDPOINT_PROPERTY + "=*)",
      updated = "updatedBindableService",
      unbind = "unbindBindableService")
  void bindBindableService(BindableService service, Map<String, Object> properties) {
    if (servesThisEndpoint(properties)) {
      contribute(service, properties);
    }
  }

  /**
   * Follows a change of a whiteboard service's properties: starts or stops serving it when its
   * endpoint property starts or stops naming this endpoint. A ranking change applies the next time
   * the service registers.
   *
   * @param service the service
   * @param properties its new service properties
   */
  void updatedBindableService(BindableService service, Map<String, Object> properties) {
    boolean serves = servesThisEndpoint(properties);
    boolean served = contributions.containsKey(serviceId(properties));
    if (serves && !served) {
      contribute(service, properties);
    } else if (!serves && served) {
      withdraw(properties);
    }
  }

  /**
   * Stops serving a whiteboard service; running calls get the grace period.
   *
   * @param service the service
   * @param properties its service properties
   */
  void unbindBindableService(BindableService service, Map<String, Object> properties) {
    withdraw(properties);
  }

  private void contribute(BindableService service, Map<String, Object> properties) {
    long id = serviceId(properties);
    ServerServiceDefinition definition;
    try {
      definition = service.bindService();
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "gRPC endpoint '"
              + endpoint.endpoint()
              + "' skips service.id "
              + id
              + ": bindService() failed",
          e);
      return;
    }
    try {
      GrpcEndpoint.Contribution previous =
          contributions.put(id, endpoint.addService(definition, ranking(properties)));
      if (previous != null) {
        previous.close();
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "gRPC endpoint ''{0}'' skips service.id {1}: {2}",
          endpoint.endpoint(),
          id,
          e.getMessage());
    }
  }

  private void withdraw(Map<String, Object> properties) {
    GrpcEndpoint.Contribution contribution = contributions.remove(serviceId(properties));
    if (contribution != null) {
      contribution.close();
    }
  }

  private boolean servesThisEndpoint(Map<String, Object> properties) {
    Object value = properties.get(Transport.ENDPOINT_PROPERTY);
    String name = endpoint.endpoint();
    if (value instanceof String single) {
      return name.equals(single.trim());
    }
    if (value instanceof String[] many) {
      for (String one : many) {
        if (one != null && name.equals(one.trim())) {
          return true;
        }
      }
      return false;
    }
    if (value instanceof Collection<?> many) {
      for (Object one : many) {
        if (one instanceof String text && name.equals(text.trim())) {
          return true;
        }
      }
    }
    return false;
  }

  private static long serviceId(Map<String, Object> properties) {
    Object id = properties.get(Constants.SERVICE_ID);
    if (id instanceof Long value) {
      return value;
    }
    throw new IllegalArgumentException("whiteboard service without " + Constants.SERVICE_ID);
  }

  private static int ranking(Map<String, Object> properties) {
    return properties.get(Constants.SERVICE_RANKING) instanceof Integer value ? value : 0;
  }
}
