package ai.cocos.agentapp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.core.launch.AssemblyProcess;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs the built agent assembly as a real process, as {@code bin/cocos-agent} does. */
class AgentAssemblyIT {
  private static final Path ASSEMBLY = Path.of(System.getProperty("cocos.assembly.dir"));
  private static final Duration START = Duration.ofSeconds(60);

  @Test
  void healthAndReflectionAnswerOverLoopback() throws Exception {
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            ASSEMBLY,
            Map.of(
                "AGENT_GRPC_HOST",
                "127.0.0.1",
                "AGENT_GRPC_PORT",
                "" + port,
                "AGENT_CVM_GRPC_URL",
                ""))) {
      agent.awaitLine(l -> l.startsWith("Cocos agent started"), START);
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        var health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
        for (String service : List.of("", "agent")) {
          assertEquals(
              ServingStatus.SERVING,
              health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus(),
              "health of '" + service + "'");
        }
        assertTrue(listServices(ch).contains("grpc.health.v1.Health"));
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      agent.close();
      // Stopped cleanly: the port is free again.
      try (Socket s = new Socket()) {
        assertFalse(connects(port), "port " + port + " still open after stop");
      }
    }
  }

  @Test
  void pluginsCommandListsTheRunnersAndTheEndpoint() throws Exception {
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            ASSEMBLY,
            Map.of(
                "AGENT_GRPC_HOST",
                "127.0.0.1",
                "AGENT_GRPC_PORT",
                "" + port,
                "AGENT_CVM_GRPC_URL",
                ""),
            "plugins")) {
      assertEquals(0, agent.awaitExit(START), agent.output());
      String out = agent.output();
      assertTrue(
          out.matches(
              "(?s).*runner\\s+bin\\s+ai\\.cocos\\.runner\\.binary\\s+0\\.1\\.0\\.SNAPSHOT\\s+active.*"),
          out);
      assertTrue(
          out.matches(
              "(?s).*transport\\s+agent\\s+ai\\.cocos\\.transport\\.grpc\\s+\\S+\\s+active\\s+grpc 127\\.0\\.0\\.1:"
                  + port
                  + ".*"),
          out);
    }
  }

  @Test
  void onlyTheRunnersTheOperatorEnablesAreInstalled() throws Exception {
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            ASSEMBLY,
            Map.of(
                "AGENT_GRPC_HOST",
                "127.0.0.1",
                "AGENT_GRPC_PORT",
                "0",
                "AGENT_RUNNERS",
                "none",
                "AGENT_CVM_GRPC_URL",
                ""),
            "plugins")) {
      assertEquals(0, agent.awaitExit(START), agent.output());
      assertFalse(agent.output().contains("runner "), agent.output());
    }
  }

  @Test
  void anUnknownRunnerIsAClearStartupError() throws Exception {
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            ASSEMBLY, Map.of("AGENT_GRPC_PORT", "0", "AGENT_RUNNERS", "bin,cobol"), "plugins")) {
      assertEquals(1, agent.awaitExit(START), agent.output());
      assertTrue(
          agent
              .output()
              .contains(
                  "AGENT_RUNNERS names runner 'cobol', which this agent assembly does not ship"
                      + " (available: bin, docker, python, wasm)"),
          agent.output());
    }
  }

  @Test
  void aPortInUseIsAClearStartupError() throws Exception {
    try (java.net.ServerSocket taken =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        AssemblyProcess agent =
            AssemblyProcess.start(
                ASSEMBLY,
                Map.of(
                    "AGENT_GRPC_HOST",
                    "127.0.0.1",
                    "AGENT_GRPC_PORT",
                    "" + taken.getLocalPort(),
                    "AGENT_CVM_GRPC_URL",
                    ""),
                "plugins")) {
      assertEquals(1, agent.awaitExit(START), agent.output());
      assertTrue(agent.output().contains("127.0.0.1:" + taken.getLocalPort()), agent.output());
    }
  }

  private static boolean connects(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static List<String> listServices(ManagedChannel ch) throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req =
        ServerReflectionGrpc.newStub(ch)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse r) {
                    names.complete(
                        r.getListServicesResponse().getServiceList().stream()
                            .map(s -> s.getName())
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    names.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
    req.onCompleted();
    return names.get(5, TimeUnit.SECONDS);
  }
}
