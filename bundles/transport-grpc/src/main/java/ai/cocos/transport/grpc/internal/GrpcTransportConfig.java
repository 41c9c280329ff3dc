package ai.cocos.transport.grpc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of one gRPC endpoint: one factory configuration per endpoint, for example {@code
 * ai.cocos.transport.grpc~agent}. The defaults listen on the loopback interface only, in plaintext;
 * {@code tlsCertFile} and {@code tlsKeyFile} (or {@code tlsKeyManager}) turn on TLS, {@code
 * tlsClientCaFile} mutual TLS.
 */
@ObjectClassDefinition(
    name = "Cocos gRPC transport",
    description =
        "A gRPC endpoint with health and reflection, serving every io.grpc.BindableService"
            + " registered with cocos.transport.endpoint set to this endpoint's name.")
public @interface GrpcTransportConfig {

  /**
   * The endpoint's name, matched against the {@code cocos.transport.endpoint} property of
   * contributed services and reported as a health service name (CocosAI clients check it).
   *
   * @return for example {@code agent} or {@code manager}
   */
  @AttributeDefinition(
      name = "Endpoint",
      description = "Name of the endpoint, for example agent or manager.")
  String endpoint();

  /**
   * The host name or address to listen on.
   *
   * @return {@code localhost} unless configured; {@code 0.0.0.0} listens on every interface
   */
  @AttributeDefinition(name = "Host", description = "Host name or address to listen on.")
  String host() default "localhost";

  /**
   * The TCP port to listen on.
   *
   * @return the port, 0 for an ephemeral port (the real one is published on the Transport service)
   */
  @AttributeDefinition(
      name = "Port",
      description = "TCP port; 0 picks a free port.",
      min = "0",
      max = "65535")
  int port() default 0;

  /**
   * The largest message a client may send.
   *
   * @return the limit in bytes, 4 MiB unless configured
   */
  @AttributeDefinition(
      name = "Maximum inbound message size",
      description = "Largest accepted message, in bytes.",
      min = "1")
  int maxInboundMessageBytes() default 4 * 1024 * 1024;

  /**
   * How long in-flight calls may run on after the endpoint or one of its services closes, before
   * they are cancelled.
   *
   * @return the grace period in milliseconds
   */
  @AttributeDefinition(
      name = "Shutdown grace period",
      description = "Milliseconds in-flight calls may finish in before they are cancelled.",
      min = "0")
  long shutdownGraceMillis() default 5000;

  /**
   * The endpoint's TLS certificate chain. With {@link #tlsKeyFile()} it turns TLS on (TLS 1.3 and
   * 1.2 only); both or neither must be set.
   *
   * @return a PEM file holding the server certificate first, then its issuers; empty for plaintext
   */
  @AttributeDefinition(
      name = "TLS certificate file",
      description =
          "PEM file with the server certificate chain, leaf first. Set together with the key file"
              + " to serve TLS (1.3 and 1.2); empty serves plaintext.")
  String tlsCertFile() default "";

  /**
   * The private key of the first certificate in {@link #tlsCertFile()}.
   *
   * @return an unencrypted PKCS#8 PEM file ({@code BEGIN PRIVATE KEY}); empty for plaintext
   */
  @AttributeDefinition(
      name = "TLS key file",
      description =
          "Unencrypted PKCS#8 PEM private key of the certificate's leaf. Set together with the"
              + " certificate file.")
  String tlsKeyFile() default "";

  /**
   * The name of a key manager service that picks the endpoint's certificate for each connection
   * (see {@code ai.cocos.transport.grpc.ServerKeyManagers}), instead of {@link #tlsCertFile()} and
   * {@link #tlsKeyFile()}: TLS 1.3 only. The agent sets it to serve attested TLS.
   *
   * @return the service's {@code cocos.transport.tls.keymanager} name; empty for none
   */
  @AttributeDefinition(
      name = "TLS key manager",
      description =
          "Name (cocos.transport.tls.keymanager) of an X509ExtendedKeyManager service that picks"
              + " the certificate per connection, instead of the certificate and key files. TLS"
              + " 1.3 only.")
  String tlsKeyManager() default "";

  /**
   * CA certificates that client certificates must chain to. When set, every client must present a
   * certificate that verifies against them (mutual TLS); needs {@link #tlsCertFile()}.
   *
   * @return a PEM file with one or more CA certificates; empty to accept clients without one
   */
  @AttributeDefinition(
      name = "TLS client CA file",
      description =
          "PEM file with the CA certificates client certificates must chain to. When set, client"
              + " certificates are required (mutual TLS). Needs the certificate and key files.")
  String tlsClientCaFile() default "";
}
