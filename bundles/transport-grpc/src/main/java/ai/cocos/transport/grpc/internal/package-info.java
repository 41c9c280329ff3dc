/**
 * The gRPC transport's implementation: {@link ai.cocos.transport.grpc.internal.GrpcEndpoint}, a
 * plain server with health, reflection and a mutable service registry, and {@link
 * ai.cocos.transport.grpc.internal.GrpcTransport}, the Declarative Services component that opens
 * one endpoint per factory configuration and feeds it the whiteboard's services. Private to the
 * bundle.
 */
package ai.cocos.transport.grpc.internal;
