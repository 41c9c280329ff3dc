package ai.cocos.managerapp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.core.launch.AssemblyProcess;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs the built manager assembly as a real process, as {@code bin/cocos-manager} does. */
class ManagerAssemblyIT {
  private static final Path ASSEMBLY = Path.of(System.getProperty("cocos.assembly.dir"));

  @Test
  void servesHealthOnTheManagerEndpointAndShipsNoRunners() throws Exception {
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess manager =
        AssemblyProcess.start(
            ASSEMBLY, Map.of("MANAGER_GRPC_HOST", "127.0.0.1", "MANAGER_GRPC_PORT", "" + port))) {
      manager.awaitLine(l -> l.startsWith("Cocos manager started"), Duration.ofSeconds(60));
      // The plugin table follows the start line: wait for its transport row.
      String row = manager.awaitLine(l -> l.trim().startsWith("transport"), Duration.ofSeconds(10));
      assertTrue(
          row.matches(
              "\\s*transport\\s+manager\\s+ai\\.cocos\\.transport\\.grpc\\s+\\S+\\s+active\\s+grpc"
                  + " 127\\.0\\.0\\.1:"
                  + port),
          row);
      assertFalse(manager.output().contains("  runner "), manager.output());
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        var health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
        for (String service : List.of("", "manager")) {
          assertEquals(
              ServingStatus.SERVING,
              health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus(),
              "health of '" + service + "'");
        }
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
