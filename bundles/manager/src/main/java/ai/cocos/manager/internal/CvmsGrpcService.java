package ai.cocos.manager.internal;

import ai.cocos.api.transport.Transport;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.ServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * CocosAI's CVMS ({@code cvms.Service/Process}) on the manager endpoint, where agents dial in
 * ({@code AGENT_CVM_GRPC_URL}, CocosAI's default {@code localhost:7001}). See {@link AgentLinks}
 * for the protocol.
 */
@Component(
    service = BindableService.class,
    property = Transport.ENDPOINT_PROPERTY + "=" + ManagerGrpcService.ENDPOINT)
public final class CvmsGrpcService implements BindableService, ServiceGrpc.AsyncService {
  /** The agent's CVM id ({@code AGENT_CVM_ID}). */
  static final Metadata.Key<String> JOB_ID =
      Metadata.Key.of("job-id", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code log-forwarder} for CocosAI's log forwarder. */
  static final Metadata.Key<String> CONNECTION_TYPE =
      Metadata.Key.of("connection-type", Metadata.ASCII_STRING_MARSHALLER);

  private static final Context.Key<String> JOB_ID_KEY = Context.key("cocos-cvms-job-id");
  private static final Context.Key<String> CONNECTION_TYPE_KEY =
      Context.key("cocos-cvms-connection-type");

  private final ManagerRuntime runtime;

  /**
   * Creates the service.
   *
   * @param runtime the manager
   */
  @Activate
  public CvmsGrpcService(@Reference ManagerRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public StreamObserver<ClientStreamMessage> process(
      StreamObserver<ServerStreamMessage> responseObserver) {
    return runtime
        .links()
        .open(valueOr(JOB_ID_KEY.get()), valueOr(CONNECTION_TYPE_KEY.get()), responseObserver);
  }

  /** Adds the interceptor that hands the stream's metadata to {@link #process}. */
  @Override
  public ServerServiceDefinition bindService() {
    ServerInterceptor metadata =
        new ServerInterceptor() {
          @Override
          public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
              io.grpc.ServerCall<Q, R> call,
              Metadata headers,
              io.grpc.ServerCallHandler<Q, R> next) {
            Context context =
                Context.current()
                    .withValues(
                        JOB_ID_KEY,
                        valueOr(headers.get(JOB_ID)),
                        CONNECTION_TYPE_KEY,
                        valueOr(headers.get(CONNECTION_TYPE)));
            return Contexts.interceptCall(context, call, headers, next);
          }
        };
    return ServerInterceptors.intercept(ServiceGrpc.bindService(this), metadata);
  }

  private static String valueOr(String s) {
    return s == null ? "" : s.trim();
  }
}
