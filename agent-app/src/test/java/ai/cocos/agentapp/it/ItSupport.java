package ai.cocos.agentapp.it;

import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.ResultRequest;
import ai.cocos.proto.agent.ResultResponse;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.ServiceGrpc;
import ai.cocos.transport.grpc.RunRequests;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * What the agent assembly's end-to-end tests share: a computation management service written here,
 * the parties' signed gRPC calls over TLS, and the agent's certificate.
 */
final class ItSupport {
  private ItSupport() {}

  /** An agent certificate for 127.0.0.1 and the CA the parties trust it with. */
  record AgentTls(X509Certificate ca, X509Certificate cert, KeyPair keys) {
    static AgentTls create() throws Exception {
      KeyPair caKey = PemKeys.generate(KeyType.ECDSA);
      X509Certificate ca = Certificates.selfSignedCa("IT CA", caKey, Duration.ofDays(1));
      KeyPair agentKey = PemKeys.generate(KeyType.ECDSA);
      X509Certificate cert =
          Certificates.issue(
              ca,
              caKey.getPrivate(),
              "agent",
              agentKey.getPublic(),
              List.of("localhost"),
              List.of(InetAddress.getByName("127.0.0.1")),
              Duration.ofDays(1));
      return new AgentTls(ca, cert, agentKey);
    }

    AgentConfig config() {
      return new AgentConfig(
          0,
          Optional.of(Certificates.toPem(cert)),
          Optional.of(PemKeys.toPem(keys.getPrivate())),
          Optional.empty(),
          Optional.empty(),
          false);
    }

    ManagedChannel channel(int port) throws IOException {
      return NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient().trustManager(ca).build())
          .build();
    }
  }

  static Sha3Hash sha3(byte[] b) {
    return new Sha3Hash(Sha3.digest(b));
  }

  static PublicKeyPem pem(KeyPair k) {
    return PublicKeyPem.of(k.getPublic().getEncoded());
  }

  static Metadata headers(Manifest m, Operation op, KeyPair key) {
    try {
      Metadata md = new Metadata();
      AuthzHeaders.sign(m, op, key.getPrivate())
          .forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
      return md;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static AgentServiceGrpc.AgentServiceStub stub(ManagedChannel ch, Metadata headers) {
    return AgentServiceGrpc.newStub(ch)
        .withDeadlineAfter(120, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  static <T> StreamObserver<T> completion(CompletableFuture<Void> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }

  /**
   * Uploads the algorithm signed with a key, in one message.
   *
   * @throws StatusRuntimeException with the agent's refusal
   */
  static void algo(ManagedChannel ch, Manifest m, KeyPair key, byte[] bytes) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<AlgoRequest> out =
        stub(ch, headers(m, Operation.algo(), key)).algo(completion(done));
    out.onNext(AlgoRequest.newBuilder().setAlgorithm(ByteString.copyFrom(bytes)).build());
    out.onCompleted();
    await(done);
  }

  /**
   * Uploads a dataset signed with a key, in one message.
   *
   * @throws StatusRuntimeException with the agent's refusal
   */
  static void data(ManagedChannel ch, Manifest m, KeyPair key, String filename, byte[] bytes)
      throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<DataRequest> out =
        stub(ch, headers(m, Operation.data(filename), key)).data(completion(done));
    out.onNext(
        DataRequest.newBuilder()
            .setFilename(filename)
            .setDataset(ByteString.copyFrom(bytes))
            .build());
    out.onCompleted();
    await(done);
  }

  /** Waits for a call's end, unwrapping the gRPC status a refusal carries. */
  static void await(CompletableFuture<Void> done) throws Exception {
    try {
      done.get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw e;
    }
  }

  static byte[] result(ManagedChannel ch, Manifest m, KeyPair consumer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Iterator<ResultResponse> it =
        AgentServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(headers(m, Operation.result(), consumer)))
            .result(ResultRequest.getDefaultInstance());
    it.forEachRemaining(r -> out.writeBytes(r.getFile().toByteArray()));
    return out.toByteArray();
  }

  static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  static ServingStatus health(ManagedChannel ch) {
    return HealthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("agent").build())
        .getStatus();
  }

  static boolean serves(ManagedChannel ch) {
    try {
      return health(ch) == ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  static Map<String, String> unzip(byte[] zip) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /**
   * A computation management service: records the agent's messages, sends it requests, and can go
   * away and come back on the same port.
   */
  static final class Cvms extends ServiceGrpc.ServiceImplBase {
    final List<ClientStreamMessage> received = new CopyOnWriteArrayList<>();
    final List<String> jobIds = new CopyOnWriteArrayList<>();
    private final ServerInterceptor jobId =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            jobIds.add(headers.get(Metadata.Key.of("job-id", Metadata.ASCII_STRING_MARSHALLER)));
            return next.startCall(call, headers);
          }
        };
    private volatile Server server;
    private final int port;
    volatile StreamObserver<ServerStreamMessage> stream;

    Cvms() throws IOException {
      server = serve(0);
      port = server.getPort();
    }

    private Server serve(int on) throws IOException {
      return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", on))
          .addService(ServerInterceptors.intercept(this, jobId))
          .build()
          .start();
    }

    int port() {
      return port;
    }

    /** Goes away: the agent's stream breaks and it cannot reconnect. */
    void stop() throws InterruptedException {
      stream = null;
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Comes back on the same port. */
    void restart() throws IOException {
      server = serve(port);
    }

    @Override
    public StreamObserver<ClientStreamMessage> process(StreamObserver<ServerStreamMessage> out) {
      stream = out;
      return new StreamObserver<>() {
        @Override
        public void onNext(ClientStreamMessage m) {
          received.add(m);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }

    synchronized void send(ServerStreamMessage m) {
      stream.onNext(m);
    }

    /** Sends a run request for a manifest, in chunks as the manager does. */
    void run(Manifest m) {
      byte[] request = RunRequests.toProto(m, new byte[0]).toByteArray();
      RunRequests.chunks(m.id(), request).forEach(this::send);
    }

    ClientStreamMessage await(Predicate<ClientStreamMessage> p) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < end) {
        for (ClientStreamMessage m : received) {
          if (p.test(m)) {
            return m;
          }
        }
        Thread.sleep(20);
      }
      throw new AssertionError("no matching message; received " + received);
    }

    /** Waits for an agent event of a type (for example {@code ConsumingResults}). */
    ClientStreamMessage awaitEvent(String type) throws InterruptedException {
      return await(e -> e.hasAgentEvent() && e.getAgentEvent().getEventType().equals(type));
    }

    void close() throws InterruptedException {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
