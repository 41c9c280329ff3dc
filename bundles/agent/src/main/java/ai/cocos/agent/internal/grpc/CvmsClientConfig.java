package ai.cocos.agent.internal.grpc;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the agent's computation-management client (PID {@value
 * CvmsClientComponent#PID}); the agent assembly maps CocosAI's environment variables onto it. The
 * defaults are the safe ones: manifests that would have uploads travel in plaintext are refused.
 */
@ObjectClassDefinition(
    name = "Cocos agent: computation management client",
    description =
        "Dials the computation management service (cvms.Service/Process), starts the"
            + " computations it requests, switches the agent's endpoint to their TLS and forwards"
            + " the agent's events and logs.")
public @interface CvmsClientConfig {
  /**
   * Where the service listens.
   *
   * @return {@code host:port} ({@code AGENT_CVM_GRPC_URL}); {@code off} turns the client off
   */
  @AttributeDefinition(
      name = "Service address",
      description = "host:port of the computation management service; 'off' disables the client.")
  String url() default "localhost:7001";

  /**
   * The CVM id, sent as {@code job-id} metadata.
   *
   * @return the id ({@code AGENT_CVM_ID}), possibly empty
   */
  @AttributeDefinition(name = "CVM id", description = "Sent to the service as job-id.")
  String cvmId() default "";

  /**
   * The agent's client certificate for mutual TLS to the service.
   *
   * @return a PEM file ({@code AGENT_CVM_GRPC_CLIENT_CERT}), or empty
   */
  @AttributeDefinition(
      name = "Client certificate",
      description = "PEM certificate chain for mutual TLS to the service; needs the client key.")
  String clientCertFile() default "";

  /**
   * The private key of {@link #clientCertFile()}.
   *
   * @return a PEM file ({@code AGENT_CVM_GRPC_CLIENT_KEY}), or empty
   */
  @AttributeDefinition(
      name = "Client key",
      description = "PEM private key of the client certificate (PKCS#8, PKCS#1 or SEC1).")
  String clientKeyFile() default "";

  /**
   * The CA certificates the service's certificate must chain to; setting it turns TLS on.
   *
   * @return a PEM file ({@code AGENT_CVM_GRPC_SERVER_CA_CERTS}), or empty
   */
  @AttributeDefinition(
      name = "Service CA",
      description =
          "PEM CA certificates of the service. Set: TLS to the service. Empty (and no client"
              + " certificate): plaintext.")
  String serverCaFile() default "";

  /**
   * The computation owner's public key: when set, a run request must carry the owner's signature
   * over its manifest ({@code owner_signature}).
   *
   * @return a PEM public key file ({@code AGENT_MANIFEST_OWNER_KEY}), or empty
   */
  @AttributeDefinition(
      name = "Manifest owner key",
      description =
          "PEM public key of the computation owner; when set, unsigned or wrongly signed"
              + " manifests are refused.")
  String manifestOwnerKeyFile() default "";

  /**
   * Whether manifests that give the agent no TLS certificate are accepted.
   *
   * @return {@code false} unless uploads may travel unencrypted ({@code AGENT_ALLOW_PLAINTEXT})
   */
  @AttributeDefinition(
      name = "Allow plaintext",
      description =
          "Accept manifests without agent certificate: uploads and results then travel"
              + " unencrypted. Off by default.")
  boolean allowPlaintext() default false;

  /**
   * The agent's work folder; the endpoint's TLS files go to its private {@code ~endpoint-tls}
   * folder.
   *
   * @return the folder ({@code AGENT_WORK_DIR}); empty for {@code cocos-agent} under {@code
   *     java.io.tmpdir}, as the agent's own default
   */
  @AttributeDefinition(
      name = "Work folder",
      description = "The agent's work folder (same as the agent's workDir).")
  String workDir() default "";

  /**
   * The most bytes of chunked run requests buffered at once.
   *
   * @return bytes, at least 1024
   */
  @AttributeDefinition(
      name = "Largest run request (bytes)",
      description = "Chunked run requests larger than this are refused.",
      min = "1024")
  int maxRunRequestBytes() default 16 * 1024 * 1024;

  /**
   * How long a chunked run request may go without a chunk.
   *
   * @return seconds, at least 1
   */
  @AttributeDefinition(
      name = "Chunk inactivity timeout (s)",
      description = "A chunked run request receiving no chunk for this long is discarded.",
      min = "1")
  int chunkTimeoutSeconds() default 30;

  /**
   * How many log lines and events wait for the service at most while it is unreachable.
   *
   * @return messages, at least 1
   */
  @AttributeDefinition(
      name = "Outgoing queue",
      description =
          "Log lines and events kept while the service is unreachable; the oldest logs are dropped"
              + " first, answers never.",
      min = "1")
  int queueCapacity() default 10_000;

  /**
   * The first wait before reconnecting.
   *
   * @return milliseconds, at least 1
   */
  @AttributeDefinition(name = "First reconnect delay (ms)", min = "1")
  long reconnectMinMillis() default 1000;

  /**
   * The longest wait before reconnecting (the wait doubles up to it).
   *
   * @return milliseconds, at least the first delay
   */
  @AttributeDefinition(name = "Longest reconnect delay (ms)", min = "1")
  long reconnectMaxMillis() default 10_000;

  /**
   * How long the endpoint may take to restart with a computation's TLS.
   *
   * @return seconds, at least 1
   */
  @AttributeDefinition(name = "TLS switch timeout (s)", min = "1")
  int tlsSwitchTimeoutSeconds() default 30;
}
