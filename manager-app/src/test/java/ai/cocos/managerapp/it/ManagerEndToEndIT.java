package ai.cocos.managerapp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.core.launch.AssemblyProcess;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.CreateComputationRequest;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real manager assembly starts the real agent assembly as a host process (the embedded
 * default), and removes it again: registry, ManagerService and the process backend, end to end over
 * loopback.
 */
class ManagerEndToEndIT {
  private static final Path MANAGER = Path.of(System.getProperty("cocos.assembly.dir"));
  private static final Path AGENT = Path.of(System.getProperty("cocos.agent.assembly"));

  @TempDir Path state;

  @Test
  void createVmStartsTheAgentAndRemoveVmStopsAndWipesIt() throws Exception {
    assertTrue(
        Files.isRegularFile(AGENT.resolve("assembly.properties")),
        "the agent assembly must be built before this test: " + AGENT);
    int port = AssemblyProcess.freePort();
    int first = AssemblyProcess.freePort();
    try (AssemblyProcess manager =
        AssemblyProcess.start(
            MANAGER,
            Map.of(
                "MANAGER_GRPC_HOST",
                "127.0.0.1",
                "MANAGER_GRPC_PORT",
                "" + port,
                "MANAGER_AGENT_ASSEMBLY",
                AGENT.toString(),
                "MANAGER_STATE_DIR",
                state.toString(),
                "MANAGER_QEMU_HOST_FWD_RANGE",
                first + "-" + (first + 20),
                "MANAGER_STOP_AGENTS_ON_SHUTDOWN",
                "true"))) {
      manager.awaitLine(l -> l.startsWith("Cocos manager started"), Duration.ofSeconds(60));
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        // A user registers a computation.
        var computations =
            ComputationsGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        var created =
            computations.create(
                CreateComputationRequest.newBuilder()
                    .setManifestJson(ByteString.copyFromUtf8(manifestJson("e2e-1")))
                    .build());
        assertEquals("e2e-1", created.getId());
        assertEquals(
            "e2e-1",
            computations
                .get(GetRequest.newBuilder().setId("e2e-1").build())
                .getComputation()
                .getId());

        // A malformed manifest is refused with every problem named.
        var bad =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    computations.create(
                        CreateComputationRequest.newBuilder()
                            .setManifestJson(
                                ByteString.copyFromUtf8("{\"id\":\"x\",\"datasetz\":[]}"))
                            .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertTrue(
            bad.getStatus().getDescription().contains("datasetz"), bad.getStatus().toString());

        // The manager starts an agent as a host process on a port from the range.
        var managerApi =
            ManagerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        CreateRes vm =
            managerApi.createVm(
                CreateReq.newBuilder().setAgentLogLevel("info").setTtl("10m").build());
        int agentPort = Integer.parseInt(vm.getForwardedPort());
        assertTrue(agentPort >= first && agentPort <= first + 20, "port " + agentPort);
        assertEquals(ServingStatus.SERVING, awaitHealth(agentPort, Duration.ofSeconds(60)));
        // Its configuration and certificates are files shaped like a VM's 9P shares.
        Path vmFolder = state.resolve("vms").resolve(vm.getCvmId());
        assertTrue(Files.isRegularFile(vmFolder.resolve("env/environment")), vmFolder.toString());
        assertTrue(Files.isRegularFile(vmFolder.resolve("certs/cert.pem")), vmFolder.toString());
        String env = Files.readString(vmFolder.resolve("env/environment"));
        assertTrue(env.contains("AGENT_CVM_ID=" + vm.getCvmId()), env);

        // Removing it stops the agent and wipes its folder.
        managerApi.removeVm(RemoveReq.newBuilder().setCvmId(vm.getCvmId()).build());
        assertFalse(connects(agentPort), "the agent still listens after RemoveVm");
        assertFalse(Files.exists(vmFolder), vmFolder + " was not wiped");
        var gone =
            assertThrows(
                StatusRuntimeException.class,
                () -> managerApi.removeVm(RemoveReq.newBuilder().setCvmId(vm.getCvmId()).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static String manifestJson(String id) throws Exception {
    String key = jsonString(PemKeys.toPem(PemKeys.generate(KeyType.ECDSA).getPublic()));
    String hash =
        HexFormat.of().formatHex(Sha3.digest("algorithm".getBytes(StandardCharsets.UTF_8)));
    String data =
        HexFormat.of().formatHex(Sha3.digest("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8)));
    return "{\"id\":\""
        + id
        + "\",\"name\":\"end to end\",\"description\":\"\","
        + "\"datasets\":[{\"hash\":\""
        + data
        + "\",\"userKey\":"
        + key
        + ",\"filename\":\"a.csv\"}],"
        + "\"algorithm\":{\"hash\":\""
        + hash
        + "\",\"userKey\":"
        + key
        + ",\"type\":\"bin\",\"args\":[]},"
        + "\"result_consumers\":[{\"userKey\":"
        + key
        + "}]}";
  }

  private static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  private static ServingStatus awaitHealth(int port, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (connects(port)) {
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
          return HealthGrpc.newBlockingStub(ch)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.newBuilder().setService("agent").build())
              .getStatus();
        } catch (StatusRuntimeException e) {
          // not ready yet
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the agent on port " + port + " did not answer within " + timeout);
  }

  private static boolean connects(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
