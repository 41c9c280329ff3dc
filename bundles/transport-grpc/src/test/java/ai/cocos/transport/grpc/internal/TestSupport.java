package ai.cocos.transport.grpc.internal;

import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Shared helpers: configurations, loopback channels and tiny clients for health and reflection. */
final class TestSupport {
  static final String LOOPBACK = "127.0.0.1";

  private TestSupport() {}

  /** A configuration as DS would hand it to the component. */
  static GrpcTransportConfig config(String endpoint, String host, int port, long graceMillis) {
    return config(endpoint, host, port, graceMillis, "", "", "");
  }

  /** A configuration with TLS files (empty strings for none). */
  static GrpcTransportConfig config(
      String endpoint,
      String host,
      int port,
      long graceMillis,
      String tlsCertFile,
      String tlsKeyFile,
      String tlsClientCaFile) {
    return config(endpoint, host, port, graceMillis, tlsCertFile, tlsKeyFile, "", tlsClientCaFile);
  }

  /** A configuration with TLS files or a key manager name (empty strings for none). */
  static GrpcTransportConfig config(
      String endpoint,
      String host,
      int port,
      long graceMillis,
      String tlsCertFile,
      String tlsKeyFile,
      String tlsKeyManager,
      String tlsClientCaFile) {
    return (GrpcTransportConfig)
        Proxy.newProxyInstance(
            GrpcTransportConfig.class.getClassLoader(),
            new Class<?>[] {GrpcTransportConfig.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "endpoint" -> endpoint;
                  case "host" -> host;
                  case "port" -> port;
                  case "maxInboundMessageBytes" -> 4 * 1024 * 1024;
                  case "shutdownGraceMillis" -> graceMillis;
                  case "tlsCertFile" -> tlsCertFile;
                  case "tlsKeyFile" -> tlsKeyFile;
                  case "tlsKeyManager" -> tlsKeyManager;
                  case "tlsClientCaFile" -> tlsClientCaFile;
                  case "annotationType" -> GrpcTransportConfig.class;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> "GrpcTransportConfig[" + endpoint + "]";
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  static GrpcEndpoint.Settings settings(String endpoint, long graceMillis) {
    return GrpcEndpoint.Settings.from(config(endpoint, LOOPBACK, 0, graceMillis));
  }

  static ManagedChannel channelTo(InetSocketAddress address) {
    return Grpc.newChannelBuilderForAddress(
            LOOPBACK, address.getPort(), InsecureChannelCredentials.create())
        .build();
  }

  static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static ServingStatus check(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  /** The service names gRPC reflection (v1) lists. */
  static List<String> listServices(ManagedChannel channel) throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    names.complete(
                        response.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .sorted()
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    names.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
    requests.onCompleted();
    return names.get(5, TimeUnit.SECONDS);
  }

  static CVMInfoRes cvmInfo(ManagedChannel channel, String id) {
    return ManagerServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .cVMInfo(CVMInfoReq.newBuilder().setId(id).build());
  }

  /** A manager service that answers CVMInfo with a fixed description. */
  static final class FixedManager extends ManagerServiceGrpc.ManagerServiceImplBase {
    private final String cpuType;

    FixedManager(String cpuType) {
      this.cpuType = cpuType;
    }

    @Override
    public void cVMInfo(CVMInfoReq request, StreamObserver<CVMInfoRes> responseObserver) {
      responseObserver.onNext(
          CVMInfoRes.newBuilder()
              .setId(request.getId())
              .setOvmfVersion("edk2-stable202408")
              .setCpuNum(2)
              .setCpuType(cpuType)
              .setEosVersion("0.1.0")
              .build());
      responseObserver.onCompleted();
    }
  }
}
