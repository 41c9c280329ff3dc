/**
 * The agent's gRPC face, on top of its transport-independent core: {@link
 * ai.cocos.agent.internal.grpc.AgentGrpcService} serves CocosAI's {@code agent.AgentService} on the
 * {@code agent} gRPC endpoint; {@link ai.cocos.agent.internal.grpc.CvmsClientComponent} runs the
 * {@link ai.cocos.agent.internal.grpc.CvmsClient} that receives manifests from the computation
 * management service and the {@link ai.cocos.agent.internal.grpc.TlsSwitch} that serves the
 * endpoint with each computation's TLS. Nothing here is exported.
 */
package ai.cocos.agent.internal.grpc;
