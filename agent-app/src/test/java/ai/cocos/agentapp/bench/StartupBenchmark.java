package ai.cocos.agentapp.bench;

import ai.cocos.core.launch.AssemblyProcess;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cold start of the agent assembly to SERVING: spawns {@code java -cp launcher/* ...Main} (what
 * {@code bin/cocos-agent} runs) and polls the standard gRPC health service over loopback until it
 * answers SERVING; reports every run and the median. Run it with {@code bench/startup.sh [runs]}.
 */
public final class StartupBenchmark {
  private StartupBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param args optional number of measured runs (default 7); one warm-up run precedes them
   */
  public static void main(String[] args) throws Exception {
    Path assembly = Path.of(System.getProperty("cocos.assembly.dir", "agent-app/target/assembly"));
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    List<Long> millis = new ArrayList<>();
    for (int i = -1; i < runs; i++) {
      long ms = once(assembly);
      if (i >= 0) {
        millis.add(ms);
        System.out.printf("run %d: %d ms%n", i + 1, ms);
      } else {
        System.out.printf("warm-up: %d ms%n", ms);
      }
    }
    List<Long> sorted = millis.stream().sorted().toList();
    System.out.printf(
        "agent cold start to SERVING: median %d ms, min %d ms, max %d ms over %d runs (%d cores)%n",
        sorted.get(sorted.size() / 2),
        sorted.get(0),
        sorted.get(sorted.size() - 1),
        runs,
        Runtime.getRuntime().availableProcessors());
  }

  private static long once(Path assembly) throws Exception {
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            assembly, Map.of("AGENT_GRPC_HOST", "127.0.0.1", "AGENT_GRPC_PORT", "" + port))) {
      while (true) {
        if (!agent.process().isAlive()) {
          throw new IllegalStateException("agent exited: " + agent.output());
        }
        // A gRPC channel that fails to connect backs off for about a second: poll the port
        // with plain sockets, and ask the health service on a fresh channel once it accepts.
        if (accepts(port) && serving(port)) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - agent.startedNanos());
        }
        Thread.sleep(2);
      }
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean serving(int port) throws InterruptedException {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.newBuilder().setService("agent").build())
              .getStatus()
          == ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
