/**
 * The transport SPI: a network endpoint serving an assembly's services.
 *
 * <p>A transport plugin opens one endpoint per configuration (the agent's or the manager's), serves
 * the standard health and reflection services there, and publishes a {@link
 * ai.cocos.api.transport.Transport} service once it listens. Services are contributed to an
 * endpoint by the whiteboard pattern: an OSGi service of the protocol's native service type (for
 * gRPC, {@code io.grpc.BindableService}) carrying {@value
 * ai.cocos.api.transport.Transport#ENDPOINT_PROPERTY} is served on the endpoint of that name while
 * it is registered.
 */
@Version("1.0.0")
package ai.cocos.api.transport;

import org.osgi.annotation.versioning.Version;
