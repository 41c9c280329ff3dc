package ai.cocos.api.computation;

import java.util.Objects;
import java.util.Optional;

/**
 * How the agent opens its port for this computation (CocosAI's {@code AgentConfig}). The
 * certificate fields hold PEM text, not file names.
 *
 * <p>{@link #keyPem()} is a private key. {@link #toString()} never prints it, and callers must not
 * log it either.
 *
 * @param port the TCP port, 1-65535, or 0 for the agent's configured default
 * @param certPem the agent's TLS certificate chain (PEM, leaf first), if it uses TLS with a given
 *     certificate
 * @param keyPem the private key of the first certificate in {@code certPem} (PEM); present exactly
 *     when {@code certPem} is
 * @param serverCaPem CA certificates (PEM) for the agent's own outgoing TLS connections, if any
 * @param clientCaPem CA certificates (PEM) that client certificates must chain to (mutual TLS), if
 *     clients must present one
 * @param attestedTls whether the agent serves attested TLS (its certificate carries attestation
 *     evidence)
 */
public record AgentConfig(
    int port,
    Optional<String> certPem,
    Optional<String> keyPem,
    Optional<String> serverCaPem,
    Optional<String> clientCaPem,
    boolean attestedTls) {
  /** The largest TCP port. */
  public static final int MAX_PORT = 65535;

  /** No TLS material, no attested TLS, the agent's default port. */
  public static final AgentConfig DEFAULTS =
      new AgentConfig(
          0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false);

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException if the port is out of range, or only one of certificate and
   *     key is given
   */
  public AgentConfig {
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException(
          "port must be 1-" + MAX_PORT + ", or 0 for the agent's default; found " + port);
    }
    Objects.requireNonNull(certPem, "certPem");
    Objects.requireNonNull(keyPem, "keyPem");
    Objects.requireNonNull(serverCaPem, "serverCaPem");
    Objects.requireNonNull(clientCaPem, "clientCaPem");
    if (certPem.isPresent() != keyPem.isPresent()) {
      throw new IllegalArgumentException(
          "certPem and keyPem go together: TLS needs both the certificate and its key");
    }
  }

  /**
   * Describes the configuration without the private key.
   *
   * @return e.g. {@code AgentConfig[port=7002, cert=present, key=(redacted), serverCa=absent,
   *     clientCa=present, attestedTls=false]}
   */
  @Override
  public String toString() {
    return "AgentConfig[port="
        + port
        + ", cert="
        + presence(certPem)
        + ", key="
        + (keyPem.isPresent() ? "(redacted)" : "absent")
        + ", serverCa="
        + presence(serverCaPem)
        + ", clientCa="
        + presence(clientCaPem)
        + ", attestedTls="
        + attestedTls
        + "]";
  }

  private static String presence(Optional<String> pem) {
    return pem.isPresent() ? "present" : "absent";
  }
}
