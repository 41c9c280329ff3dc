package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs {@code health} against a real gRPC server on loopback. */
class HealthCommandTest {
  private static Server server;
  private static String target;

  @BeforeAll
  static void startServer() throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("agent", ServingStatus.NOT_SERVING);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(health.getHealthService())
            .build()
            .start();
    target = "127.0.0.1:" + server.getPort();
  }

  @AfterAll
  static void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void servingServerExitsZero() {
    Run run = Run.of("health", "--target", target);

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(target + " (overall): SERVING" + System.lineSeparator(), run.out());
  }

  @Test
  void notServingServiceExitsOne() {
    Run run = Run.of("health", "--target", target, "--service", "agent", "--timeout", "3s");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(target + " agent: NOT_SERVING" + System.lineSeparator(), run.out());
  }

  @Test
  void unknownServiceExitsOne() {
    Run run = Run.of("health", "-t", target, "-s", "nope");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        target + " nope: the server's health service does not know this service",
        run.err().strip());
  }

  @Test
  void closedPortExitsOneSayingItCannotReachIt() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }

    Run run = Run.of("health", "--target", "127.0.0.1:" + port);

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals("cannot reach 127.0.0.1:" + port + ": connection refused", run.err().strip());
    assertEquals("", run.out());
  }

  @Test
  void malformedTargetIsAUsageError() {
    Run run = Run.of("health", "--target", "localhost");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(
        run.err()
            .startsWith(
                "--target: invalid address 'localhost': expected HOST:PORT, for example"
                    + " localhost:7002"),
        run::toString);
  }

  @Test
  void malformedTimeoutIsAUsageError() {
    Run run = Run.of("health", "--target", target, "--timeout", "soon");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("'soon' is not a duration"), run::toString);
  }
}
