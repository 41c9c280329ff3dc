package ai.cocos.api.transport;

import java.net.InetSocketAddress;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A listening network endpoint. Implemented by transport plugins, registered only while the
 * endpoint listens.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Registered with {@link #ENDPOINT_PROPERTY}, {@link #PROTOCOL_PROPERTY} and {@link
 *       #ADDRESS_PROPERTY} set to the values the methods return.
 *   <li>A service contributed to the endpoint reports SERVING on the health service while it is
 *       registered, and NOT_SERVING once it leaves; the overall status (the empty service name) is
 *       SERVING while the endpoint listens.
 *   <li>Thread-safe; the endpoint closes when the service is unregistered, finishing in-flight
 *       calls within a bounded grace period.
 * </ul>
 */
@ConsumerType
public interface Transport {
  /** Service property: the endpoint's name ({@code agent}, {@code manager}). */
  String ENDPOINT_PROPERTY = "cocos.transport.endpoint";

  /** Service property: the wire protocol ({@code grpc}). */
  String PROTOCOL_PROPERTY = "cocos.transport.protocol";

  /** Service property: the bound address as {@code host:port}. */
  String ADDRESS_PROPERTY = "cocos.transport.address";

  /**
   * The endpoint's name.
   *
   * @return for example {@code agent}
   */
  String endpoint();

  /**
   * The wire protocol.
   *
   * @return for example {@code grpc}
   */
  String protocol();

  /**
   * The address the endpoint is bound to, with the real port when port 0 was configured.
   *
   * @return the bound address
   */
  InetSocketAddress address();

  /**
   * The health status of one service on this endpoint.
   *
   * @param service the fully qualified service name, or the empty string for the endpoint itself
   * @return its status, {@link HealthStatus#SERVICE_UNKNOWN} if no such service is served
   */
  HealthStatus health(String service);

  /** Health states, as the standard gRPC health protocol names them. */
  enum HealthStatus {
    /** The service answers. */
    SERVING,
    /** The service exists but does not answer now. */
    NOT_SERVING,
    /** No such service on this endpoint. */
    SERVICE_UNKNOWN
  }
}
