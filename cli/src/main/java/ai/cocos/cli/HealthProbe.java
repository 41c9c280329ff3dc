package ai.cocos.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** One call to {@code grpc.health.v1.Health/Check} over plaintext gRPC. */
final class HealthProbe {

  /**
   * What the server said, or why it could not be asked.
   *
   * @param status the serving status name ({@code SERVING}, {@code NOT_SERVING}, ...), or {@code
   *     null} if there was no answer
   * @param problem why there was no answer; empty when there was one
   */
  record Answer(String status, String problem) {}

  private HealthProbe() {}

  /**
   * Asks the server.
   *
   * @param target the server
   * @param service the service to ask about; empty for the server as a whole
   * @param timeout the deadline for the whole call, connection included
   * @return the answer; never throws for network or server failures
   */
  static Answer check(Target target, String service, Duration timeout) {
    // An event loop of our own, ended before returning: gRPC's shared one outlives the call, and
    // the JVM's exit waits about 300 ms for any thread still inside a native call (its selector).
    // Plain NIO also spares loading Netty's native epoll library for a single call.
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cocos-cli-grpc", true), NioIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(target.host(), target.port())
            .eventLoopGroup(group)
            .channelType(NioSocketChannel.class)
            .usePlaintext()
            .userAgent("cocos-cli/" + VersionProvider.version())
            .build();
    try {
      HealthCheckResponse response =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
              .check(HealthCheckRequest.newBuilder().setService(service).build());
      HealthCheckResponse.ServingStatus status = response.getStatus();
      return new Answer(
          status == HealthCheckResponse.ServingStatus.UNRECOGNIZED
              ? "UNKNOWN (" + response.getStatusValue() + ")"
              : status.name(),
          "");
    } catch (StatusRuntimeException e) {
      return new Answer(null, describe(target, service, timeout, e));
    } finally {
      channel.shutdownNow();
      try {
        channel.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }

  /** Turns a failed call into a sentence a user can act on. */
  static String describe(
      Target target, String service, Duration timeout, StatusRuntimeException e) {
    Status status = e.getStatus();
    return switch (status.getCode()) {
      case UNAVAILABLE -> "cannot reach " + target + ": " + reason(status);
      case DEADLINE_EXCEEDED ->
          "cannot reach " + target + ": no answer within " + DurationConverter.format(timeout);
      case NOT_FOUND ->
          target + " " + service + ": the server's health service does not know this service";
      case UNIMPLEMENTED ->
          target + " does not offer the gRPC health service (grpc.health.v1.Health)";
      default ->
          "health check of "
              + target
              + " failed: "
              + status.getCode()
              + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    };
  }

  /**
   * The operating system's words from a connect failure.
   *
   * @param message a Netty connect exception's message
   * @return for example {@code connection refused}
   */
  static String connectProblem(String message) {
    String m = message == null ? "" : message;
    int errno = m.indexOf("failed with error(");
    if (errno >= 0 && m.indexOf("): ", errno) >= 0) {
      m = m.substring(m.indexOf("): ", errno) + 3);
    }
    int address = m.indexOf(": ");
    if (address >= 0) {
      m = m.substring(0, address);
    }
    m = m.strip().toLowerCase(Locale.ROOT);
    return m.isEmpty() ? "connection failed" : m;
  }

  private static String reason(Status status) {
    // Netty's messages read "finishConnect(..) failed with error(-111): Connection refused:
    // /1.2.3.4:port" (epoll) or "Connection refused: host/1.2.3.4:port" (NIO). Keep the middle:
    // the address is printed already.
    for (Throwable t = status.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException) {
        return connectProblem(t.getMessage());
      }
      if (t instanceof UnknownHostException) {
        return "unknown host";
      }
    }
    if (status.getDescription() != null) {
      return status.getDescription();
    }
    return status.getCause() != null ? status.getCause().toString() : "unavailable";
  }
}
