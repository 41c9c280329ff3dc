package ai.cocos.manager.internal;

import static ai.cocos.manager.internal.TestSupport.json;
import static ai.cocos.manager.internal.TestSupport.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real agent assembly ({@code agent-app/target/assembly}, system property {@code
 * cocos.agent.assembly}) through {@code CreateVm} and reaches its health service on the forwarded
 * port. Skipped when the assembly has not been built ({@code mvn -B -pl agent-app -am package
 * -DskipTests}).
 */
class RealAgentTest {
  @TempDir Path state;

  @Test
  void createVmStartsTheRealAgentAssembly() throws Exception {
    String configured = System.getProperty("cocos.agent.assembly", "");
    assumeTrue(
        !configured.isEmpty() && Files.isRegularFile(Path.of(configured, "assembly.properties")),
        "no agent assembly at '"
            + configured
            + "': build it with mvn -B -pl agent-app -am package -DskipTests");
    Path assembly = Path.of(configured).toAbsolutePath().normalize();
    int first;
    try (ServerSocket probe = new ServerSocket(0)) {
      first = probe.getLocalPort();
    }
    try (TestSupport.Harness manager =
        new TestSupport.Harness(
            new ManagerRuntime(
                TestSupport.config(
                    Map.of(
                        "stateDir",
                        state.toString(),
                        "agentAssembly",
                        assembly.toString(),
                        "hostFwdRange",
                        first + "-" + (first + 20),
                        "stopGraceMillis",
                        15_000L)),
                new ProcessVmBackend(
                    assembly.toString(), ProcessVmBackend.currentJava(), System.getenv()),
                Clock.systemUTC()))) {
      manager.runtime.registry().create(json(manifest("real")), new byte[0]);
      ManagerServiceGrpc.ManagerServiceBlockingStub vms =
          ManagerServiceGrpc.newBlockingStub(manager.channel)
              .withDeadlineAfter(60, TimeUnit.SECONDS);
      CreateRes res =
          vms.createVm(
              CreateReq.newBuilder().setAgentLogLevel("info").setComputationId("real").build());
      int port = Integer.parseInt(res.getForwardedPort());
      ManagedChannel agent =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        ServingStatus status = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (status != ServingStatus.SERVING && System.nanoTime() < deadline) {
          try {
            status =
                HealthGrpc.newBlockingStub(agent)
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("agent").build())
                    .getStatus();
          } catch (StatusRuntimeException e) {
            Thread.sleep(200);
          }
          assumeAlive(manager, res.getCvmId());
        }
        assertEquals(
            ServingStatus.SERVING,
            status,
            "agent health on 127.0.0.1:"
                + port
                + "; its output:\n"
                + String.join(
                    "\n",
                    ProcessVmBackend.tail(
                        state.resolve("vms").resolve(res.getCvmId()).resolve("agent.log"), 50)));
      } finally {
        agent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      vms.removeVm(RemoveReq.newBuilder().setCvmId(res.getCvmId()).build());
      assertFalse(Files.exists(state.resolve("vms").resolve(res.getCvmId())));
    }
  }

  private static void assumeAlive(TestSupport.Harness manager, String id) {
    String state;
    try {
      state = manager.runtime.registry().get("real").state();
    } catch (ManagerException e) {
      throw new AssertionError(e);
    }
    if ("Failed".equals(state)) {
      throw new AssertionError(
          "the agent process ended: "
              + manager.runtime.registry().list().get(0).error()
              + " (CVM "
              + id
              + ")");
    }
  }
}
