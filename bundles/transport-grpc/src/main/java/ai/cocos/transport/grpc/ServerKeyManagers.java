package ai.cocos.transport.grpc;

import java.util.regex.Pattern;

/**
 * How a gRPC endpoint takes its server certificate from a key manager, per connection, instead of
 * from files: the way the agent serves attested TLS, whose certificate is made for each client's
 * nonce.
 *
 * <p>The key manager is an OSGi service registered as {@code javax.net.ssl.X509ExtendedKeyManager}
 * with {@value #SERVICE_PROPERTY} set to a name; the endpoint's configuration names it in {@value
 * #CONFIG}. The endpoint then serves TLS 1.3 only and asks the key manager at every handshake
 * ({@code chooseEngineServerAlias} with the handshake's engine, whose handshake session carries the
 * requested server name). If the service is unregistered while the endpoint runs, new handshakes
 * fail (closed) until the endpoint is reconfigured. {@code tlsClientCaFile} still requires client
 * certificates (mutual TLS). The endpoint's {@code Transport} service carries {@value
 * #TRANSPORT_PROPERTY} with the name (empty otherwise).
 */
public final class ServerKeyManagers {
  /** The endpoint configuration property naming the key manager service. */
  public static final String CONFIG = "tlsKeyManager";

  /** The service property giving a key manager service its name. */
  public static final String SERVICE_PROPERTY = "cocos.transport.tls.keymanager";

  /** The {@code Transport} service property naming the key manager in use, empty for none. */
  public static final String TRANSPORT_PROPERTY = "cocos.transport.tls.keymanager";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private ServerKeyManagers() {}

  /**
   * Whether a name is acceptable: 1 to 64 characters of {@code A-Z a-z 0-9 . _ -} (it goes into an
   * LDAP filter and log lines).
   *
   * @param name the name
   * @return {@code true} if acceptable
   */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }
}
