package ai.cocos.agent.internal.grpc;

import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.DataResponse;
import ai.cocos.proto.agent.ResultRequest;
import ai.cocos.proto.agent.ResultResponse;
import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** What the CLI does: streams uploads in chunks and fetches results over a real channel. */
final class PartyClient {
  private PartyClient() {}

  static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** A TLS channel trusting a CA, with a client certificate if given. */
  static ManagedChannel tls(int port, X509Certificate ca, KeyPair clientKey, X509Certificate cert)
      throws Exception {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(ca);
    if (clientKey != null) {
      ssl.keyManager(clientKey.getPrivate(), cert);
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(ssl.build()).build();
  }

  static void shutdown(ManagedChannel ch) throws InterruptedException {
    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static ServingStatus health(Channel ch) {
    return HealthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("agent").build())
        .getStatus();
  }

  private static AgentServiceGrpc.AgentServiceStub stub(Channel ch, Metadata headers) {
    return AgentServiceGrpc.newStub(ch)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Uploads the algorithm in chunks; the call's final status. */
  static Status algo(Channel ch, Metadata headers, byte[] algorithm, int chunk) throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<AlgoRequest> out = stub(ch, headers).algo(finisher(done));
    for (int off = 0; off < algorithm.length; off += chunk) {
      int n = Math.min(chunk, algorithm.length - off);
      out.onNext(
          AlgoRequest.newBuilder().setAlgorithm(ByteString.copyFrom(algorithm, off, n)).build());
    }
    out.onCompleted();
    return done.get(30, TimeUnit.SECONDS);
  }

  /** Uploads a dataset in chunks, naming it in every message as CocosAI's CLI does. */
  static Status data(Channel ch, Metadata headers, String filename, byte[] content, int chunk)
      throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<DataRequest> out = stub(ch, headers).data(finisher(done));
    for (int off = 0; off < content.length; off += chunk) {
      int n = Math.min(chunk, content.length - off);
      out.onNext(
          DataRequest.newBuilder()
              .setFilename(filename)
              .setDataset(ByteString.copyFrom(content, off, n))
              .build());
    }
    out.onCompleted();
    return done.get(30, TimeUnit.SECONDS);
  }

  /**
   * Sends part of a dataset, then cancels the call (a client that breaks off).
   *
   * @return the status the client saw
   */
  static Status dataCancelled(Channel ch, Metadata headers, String filename, byte[] part)
      throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    AtomicReference<ClientCallStreamObserver<DataRequest>> call = new AtomicReference<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    stub(ch, headers)
        .data(
            new ClientResponseObserver<DataRequest, DataResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<DataRequest> r) {
                call.set(r);
                r.setOnReadyHandler(() -> ready.complete(null));
              }

              @Override
              public void onNext(DataResponse value) {}

              @Override
              public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                done.complete(Status.OK);
              }
            });
    ready.get(10, TimeUnit.SECONDS);
    call.get()
        .onNext(
            DataRequest.newBuilder()
                .setFilename(filename)
                .setDataset(ByteString.copyFrom(part))
                .build());
    Thread.sleep(200); // the agent has begun the upload
    call.get().cancel("the user pressed ^C", null);
    return done.get(10, TimeUnit.SECONDS);
  }

  /** What a result download delivered. */
  record Fetched(Status status, byte[] zip, String fileSize, List<Integer> chunkSizes) {}

  static Fetched result(Channel ch, Metadata headers) throws Exception {
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<Integer> sizes = new ArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    stub(ch, headers)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers))
        .result(
            ResultRequest.getDefaultInstance(),
            new StreamObserver<ResultResponse>() {
              @Override
              public void onNext(ResultResponse r) {
                sizes.add(r.getFile().size());
                bytes.writeBytes(r.getFile().toByteArray());
              }

              @Override
              public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                done.complete(Status.OK);
              }
            });
    Status s = done.get(30, TimeUnit.SECONDS);
    Metadata h = responseHeaders.get();
    String size = h == null ? null : h.get(AgentGrpcService.FILE_SIZE);
    return new Fetched(s, bytes.toByteArray(), size, sizes);
  }

  private static <T> StreamObserver<T> finisher(CompletableFuture<Status> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    };
  }
}
