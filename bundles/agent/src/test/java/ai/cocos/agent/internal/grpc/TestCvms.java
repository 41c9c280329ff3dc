package ai.cocos.agent.internal.grpc;

import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.RunResponse;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.ServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A computation management service for the tests: a real gRPC server implementing {@code
 * cvms.Service/Process} on a fixed loopback port, recording what agents send and which {@code
 * job-id} they open their streams with; it can go away and come back on the same port.
 */
final class TestCvms extends ServiceGrpc.ServiceImplBase implements AutoCloseable {
  final int port;
  final List<ClientStreamMessage> received = new CopyOnWriteArrayList<>();
  final List<String> jobIds = new CopyOnWriteArrayList<>();
  private final SslContext tls;
  private volatile StreamObserver<ServerStreamMessage> stream;
  private Server server;

  TestCvms() throws IOException {
    this(null);
  }

  /** A service over TLS (or mutual TLS, as its context says). */
  TestCvms(SslContext tls) throws IOException {
    this.tls = tls;
    port = GrpcTestSupport.freePort();
    start();
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  synchronized void start() throws IOException {
    ServerInterceptor recordJobId =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String id = headers.get(CvmsClient.JOB_ID);
            jobIds.add(id == null ? "(none)" : id);
            return next.startCall(call, headers);
          }
        };
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .withOption(ChannelOption.SO_REUSEADDR, true)
            .addService(ServerInterceptors.intercept(this, recordJobId));
    if (tls != null) {
      b.sslContext(tls);
    }
    server = b.build().start();
  }

  /** Goes away at once: streams are cut, the port is closed. */
  synchronized void stop() throws InterruptedException {
    stream = null;
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public StreamObserver<ai.cocos.proto.cvms.ClientStreamMessage> process(
      StreamObserver<ServerStreamMessage> out) {
    stream = out;
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientStreamMessage m) {
        received.add(m);
        synchronized (TestCvms.this) {
          TestCvms.this.notifyAll();
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  /** Sends to the newest agent stream. */
  void send(ServerStreamMessage m) {
    StreamObserver<ServerStreamMessage> s = stream;
    if (s == null) {
      fail("no agent stream");
    }
    synchronized (s) {
      s.onNext(m);
    }
  }

  void send(List<ServerStreamMessage> ms) {
    ms.forEach(this::send);
  }

  /** Waits until an agent has opened a stream (the n-th since the start). */
  void awaitStreams(int n, Duration timeout) {
    GrpcTestSupport.await(
        n + " agent streams", timeout, () -> jobIds.size() >= n && stream != null);
  }

  /** Waits for a message. */
  ClientStreamMessage await(String what, Predicate<ClientStreamMessage> p, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (true) {
        for (ClientStreamMessage m : received) {
          if (p.test(m)) {
            return m;
          }
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          fail("no " + what + " within " + timeout + "; received " + summary());
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail("interrupted");
        }
      }
    }
  }

  RunResponse awaitRunResponse(String id) {
    return await(
            "RunResponse for " + id,
            m -> m.hasRunRes() && m.getRunRes().getComputationId().equals(id),
            Duration.ofSeconds(20))
        .getRunRes();
  }

  void awaitEvent(String id, String type, String status) {
    await(
        "event " + type + "/" + status + " of " + id,
        m ->
            m.hasAgentEvent()
                && m.getAgentEvent().getComputationId().equals(id)
                && m.getAgentEvent().getEventType().equals(type)
                && m.getAgentEvent().getStatus().equals(status),
        Duration.ofSeconds(20));
  }

  long count(Predicate<ClientStreamMessage> p) {
    return received.stream().filter(p).count();
  }

  String summary() {
    StringBuilder b = new StringBuilder();
    for (ClientStreamMessage m : received) {
      switch (m.getMessageCase()) {
        case AGENT_EVENT ->
            b.append(m.getAgentEvent().getEventType())
                .append('/')
                .append(m.getAgentEvent().getStatus());
        case AGENT_LOG -> b.append("log:").append(m.getAgentLog().getMessage());
        case RUN_RES -> b.append("run:").append(m.getRunRes().getError());
        default -> b.append(m.getMessageCase());
      }
      b.append(" | ");
    }
    return b.toString();
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (server != null) {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
