package ai.cocos.cli;

import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.Signatures;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import ai.cocos.proto.agent.AlgoResponse;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.DataResponse;
import ai.cocos.proto.agent.ResultRequest;
import ai.cocos.proto.agent.ResultResponse;
import com.google.protobuf.ByteString;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An agent in the test: it checks each request's v1 signature for real, records what it received
 * (bytes, digests, chunk sizes, metadata) and answers as scripted.
 */
final class FakeAgent implements AutoCloseable {
  /** Bytes kept in full up to this; beyond, only counted and hashed. */
  static final int KEEP_BYTES = 8 * 1024 * 1024;

  private final Server server;
  private final String computationId;
  private final Sha3Hash digest;
  private final PublicKey key;

  volatile Metadata headers;
  volatile Status failWith;
  volatile byte[] result = new byte[0];
  volatile String fileSizeHeader;

  /** Outcome of the signature check of each call: the operation, or "BAD ..." */
  final List<String> verified = new CopyOnWriteArrayList<>();

  final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
  final List<String> filenames = new CopyOnWriteArrayList<>();
  final ByteArrayOutputStream main = new ByteArrayOutputStream();
  final ByteArrayOutputStream requirements = new ByteArrayOutputStream();
  volatile long mainBytes;
  volatile byte[] mainSha256;

  private FakeAgent(SslContext tls, String computationId, Sha3Hash digest, PublicKey key)
      throws IOException {
    this.computationId = computationId;
    this.digest = digest;
    this.key = key;
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
            headers = h;
            return next.startCall(
                new SimpleForwardingServerCall<>(call) {
                  @Override
                  public void sendHeaders(Metadata responseHeaders) {
                    if (fileSizeHeader != null) {
                      responseHeaders.put(ResultCommand.FILE_SIZE, fileSizeHeader);
                    }
                    super.sendHeaders(responseHeaders);
                  }
                },
                h);
          }
        };
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(new Service(), capture));
    if (tls != null) {
      b.sslContext(tls);
    }
    server = b.build().start();
  }

  static FakeAgent start(SslContext tls, String id, Sha3Hash digest, PublicKey key)
      throws IOException {
    return new FakeAgent(tls, id, digest, key);
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  Map<String, String> env() {
    return Map.of("AGENT_GRPC_URL", address());
  }

  List<String> values(String name) {
    Iterable<String> v = headers.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    List<String> out = new java.util.ArrayList<>();
    if (v != null) {
      v.forEach(out::add);
    }
    return out;
  }

  private String check(Operation op) {
    String ts = values(AuthzHeaders.TIMESTAMP).get(0);
    String nonce = values(AuthzHeaders.NONCE).get(0);
    List<String> sig = values(AuthzHeaders.SIGNATURE);
    byte[] message = AuthzHeaders.message(computationId, digest, op, ts, nonce);
    boolean ok =
        sig.size() == 1
            && values(AuthzHeaders.AUTHZ).equals(List.of("v1"))
            && Signatures.verify(key, message, Base64.getDecoder().decode(sig.get(0)));
    String outcome = ok ? op.wire() : "BAD " + op.wire();
    verified.add(outcome);
    return outcome;
  }

  private final class Sink {
    private final MessageDigest sha;

    Sink() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      main.reset();
      requirements.reset();
      chunkSizes.clear();
      filenames.clear();
      mainBytes = 0;
    }

    void add(ByteString b) {
      chunkSizes.add(b.size());
      sha.update(b.asReadOnlyByteBuffer());
      mainBytes += b.size();
      if (main.size() < KEEP_BYTES) {
        main.writeBytes(b.toByteArray());
      }
    }

    void end() {
      mainSha256 = sha.digest();
    }
  }

  private <T> boolean finish(StreamObserver<T> response, Operation op, T answer) {
    if (failWith != null) {
      response.onError(failWith.asRuntimeException());
      return false;
    }
    if (check(op).startsWith("BAD")) {
      response.onError(
          Status.UNAUTHENTICATED.withDescription("bad signature").asRuntimeException());
      return false;
    }
    response.onNext(answer);
    response.onCompleted();
    return true;
  }

  private final class Service extends AgentServiceGrpc.AgentServiceImplBase {
    @Override
    public StreamObserver<AlgoRequest> algo(StreamObserver<AlgoResponse> response) {
      Sink sink = new Sink();
      return new StreamObserver<>() {
        @Override
        public void onNext(AlgoRequest r) {
          if (!r.getAlgorithm().isEmpty()) {
            sink.add(r.getAlgorithm());
          }
          if (!r.getRequirements().isEmpty()) {
            chunkSizes.add(r.getRequirements().size());
            requirements.writeBytes(r.getRequirements().toByteArray());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          sink.end();
          finish(response, Operation.algo(), AlgoResponse.getDefaultInstance());
        }
      };
    }

    @Override
    public StreamObserver<DataRequest> data(StreamObserver<DataResponse> response) {
      Sink sink = new Sink();
      return new StreamObserver<>() {
        @Override
        public void onNext(DataRequest r) {
          filenames.add(r.getFilename());
          sink.add(r.getDataset());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          sink.end();
          finish(
              response,
              Operation.data(filenames.isEmpty() ? "none" : filenames.get(0)),
              DataResponse.getDefaultInstance());
        }
      };
    }

    @Override
    public void result(ResultRequest request, StreamObserver<ResultResponse> response) {
      if (failWith != null) {
        response.onError(failWith.asRuntimeException());
        return;
      }
      if (check(Operation.result()).startsWith("BAD")) {
        response.onError(
            Status.UNAUTHENTICATED.withDescription("bad signature").asRuntimeException());
        return;
      }
      byte[] r = result;
      for (int off = 0; off < r.length; off += Upload.CHUNK_BYTES) {
        int n = Math.min(Upload.CHUNK_BYTES, r.length - off);
        response.onNext(
            ResultResponse.newBuilder().setFile(ByteString.copyFrom(r, off, n)).build());
      }
      response.onCompleted();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
