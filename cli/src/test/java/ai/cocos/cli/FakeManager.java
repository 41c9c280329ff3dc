package ai.cocos.cli;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.CreateComputationRequest;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.computations.v1.ListRequest;
import ai.cocos.proto.computations.v1.ListResponse;
import ai.cocos.proto.computations.v1.WatchRequest;
import ai.cocos.proto.computations.v1.WatchResponse;
import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import com.google.protobuf.Empty;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A real gRPC server on loopback playing the manager: both of its services, each call recorded and
 * answered as the test sets (by default UNIMPLEMENTED, so a test states what it expects).
 */
final class FakeManager implements AutoCloseable {
  /** Quiets the server's report of each connection a TLS test breaks on purpose. */
  private static final java.util.logging.Logger TRANSPORT_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport");

  static {
    TRANSPORT_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  final List<CreateComputationRequest> creates = new CopyOnWriteArrayList<>();
  final List<ListRequest> lists = new CopyOnWriteArrayList<>();
  final List<GetRequest> gets = new CopyOnWriteArrayList<>();
  final List<WatchRequest> watches = new CopyOnWriteArrayList<>();
  final List<CreateReq> createVms = new CopyOnWriteArrayList<>();
  final List<RemoveReq> removeVms = new CopyOnWriteArrayList<>();

  volatile BiConsumer<CreateComputationRequest, StreamObserver<Computation>> onCreate = unset();
  volatile BiConsumer<ListRequest, StreamObserver<ListResponse>> onList = unset();
  volatile BiConsumer<GetRequest, StreamObserver<GetResponse>> onGet = unset();
  volatile BiConsumer<WatchRequest, StreamObserver<WatchResponse>> onWatch = unset();
  volatile BiConsumer<CreateReq, StreamObserver<CreateRes>> onCreateVm = unset();
  volatile BiConsumer<RemoveReq, StreamObserver<Empty>> onRemoveVm = unset();

  private final Server server;

  private FakeManager(Server server) {
    this.server = server;
  }

  /** Starts a plaintext manager with both services. */
  static FakeManager start() throws IOException {
    return start(null, true);
  }

  /**
   * Starts a manager.
   *
   * @param tls the server's TLS context, or {@code null} for plaintext
   * @param computations whether to serve {@code cocos.computations.v1.Computations} (CocosAI's
   *     manager does not)
   */
  static FakeManager start(SslContext tls, boolean computations) throws IOException {
    FakeManager[] self = new FakeManager[1];
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    if (tls != null) {
      b.sslContext(tls);
    }
    b.addService(
        new ManagerServiceGrpc.ManagerServiceImplBase() {
          @Override
          public void createVm(CreateReq request, StreamObserver<CreateRes> response) {
            self[0].createVms.add(request);
            self[0].onCreateVm.accept(request, response);
          }

          @Override
          public void removeVm(RemoveReq request, StreamObserver<Empty> response) {
            self[0].removeVms.add(request);
            self[0].onRemoveVm.accept(request, response);
          }
        });
    if (computations) {
      b.addService(
          new ComputationsGrpc.ComputationsImplBase() {
            @Override
            public void create(
                CreateComputationRequest request, StreamObserver<Computation> response) {
              self[0].creates.add(request);
              self[0].onCreate.accept(request, response);
            }

            @Override
            public void list(ListRequest request, StreamObserver<ListResponse> response) {
              self[0].lists.add(request);
              self[0].onList.accept(request, response);
            }

            @Override
            public void get(GetRequest request, StreamObserver<GetResponse> response) {
              self[0].gets.add(request);
              self[0].onGet.accept(request, response);
            }

            @Override
            public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
              self[0].watches.add(request);
              self[0].onWatch.accept(request, response);
            }
          });
    }
    FakeManager m = new FakeManager(b.build());
    self[0] = m;
    m.server.start();
    return m;
  }

  /** {@code 127.0.0.1:port}. */
  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The environment that points the CLI here. */
  Map<String, String> env() {
    return Map.of("MANAGER_GRPC_URL", address());
  }

  /** Answers with a value. */
  static <Q, R> BiConsumer<Q, StreamObserver<R>> reply(R value) {
    return (q, r) -> {
      r.onNext(value);
      r.onCompleted();
    };
  }

  /** Answers with an error, as the real manager does (status code and description). */
  static <Q, R> BiConsumer<Q, StreamObserver<R>> fail(Status.Code code, String description) {
    return (q, r) -> r.onError(Status.fromCode(code).withDescription(description).asException());
  }

  private static <Q, R> BiConsumer<Q, StreamObserver<R>> unset() {
    return fail(Status.Code.UNIMPLEMENTED, "the test did not set this call");
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
