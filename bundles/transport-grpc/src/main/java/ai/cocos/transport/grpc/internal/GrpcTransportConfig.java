package ai.cocos.transport.grpc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of one gRPC endpoint: one factory configuration per endpoint, for example {@code
 * ai.cocos.transport.grpc~agent}. The defaults listen on the loopback interface only.
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
}
