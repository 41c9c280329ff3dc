package ai.cocos.manager.internal;

import static ai.cocos.manager.internal.TestSupport.await;
import static ai.cocos.manager.internal.TestSupport.json;
import static ai.cocos.manager.internal.TestSupport.manifest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.manager.AttestationPolicyReq;
import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager service over real gRPC with the host-process backend starting real processes: the
 * fake agent assembly's launcher is a real Java program that records what it was started with.
 */
class ProcessBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private Path state;
  private Path assembly;
  private int firstPort;
  private TestSupport.Harness manager;
  private ManagerServiceGrpc.ManagerServiceBlockingStub vms;

  private void start(String behaviour, Map<String, Object> overrides) throws Exception {
    state = tmp.resolve("state");
    assembly = FakeAgentAssembly.create(tmp.resolve("assembly-" + behaviour), behaviour);
    try (ServerSocket probe = new ServerSocket(0)) {
      firstPort = probe.getLocalPort();
    }
    Map<String, Object> config = new HashMap<>();
    config.put("stateDir", state.toString());
    config.put("agentAssembly", assembly.toString());
    config.put("hostFwdRange", firstPort + "-" + (firstPort + 30));
    config.put("stopGraceMillis", 2000L);
    config.put("ovmfVersion", "edk2-test");
    config.put("eosVersion", "eos-9");
    config.putAll(overrides);
    manager =
        new TestSupport.Harness(
            new ManagerRuntime(
                TestSupport.config(config),
                new ProcessVmBackend(
                    config.get("agentAssembly").toString(),
                    ProcessVmBackend.currentJava(),
                    System.getenv()),
                Clock.systemUTC(),
                // An operator's runner choice reaches every agent; a client-side variable does not.
                OperatorAgentSettings.from(
                    Map.of("AGENT_RUNNERS", "bin", "AGENT_GRPC_CLIENT_KEY", "/home/me/key.pem"))));
    vms = ManagerServiceGrpc.newBlockingStub(manager.channel);
  }

  private ManagerServiceGrpc.ManagerServiceBlockingStub vms() {
    return vms.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void removeEverything() throws Exception {
    if (manager == null) {
      return;
    }
    for (String id : manager.runtime.vms().ids()) {
      try {
        manager.runtime.vms().remove(id);
      } catch (ManagerException e) {
        // already gone
      }
    }
    manager.close();
  }

  private GetResponse computation(String id) {
    return ComputationsGrpc.newBlockingStub(manager.channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .get(GetRequest.newBuilder().setId(id).build());
  }

  private Path vmDir(String id) {
    return state.resolve("vms").resolve(id);
  }

  private Map<String, String> recorded(String id, String what) throws Exception {
    await(
        () ->
            Files.exists(assembly.resolve("out").resolve(id + ".ready"))
                || Files.exists(assembly.resolve("out").resolve(id + "." + what)),
        WAIT,
        "the fake agent of " + id);
    await(() -> Files.exists(assembly.resolve("out").resolve(id + "." + what)), WAIT, what);
    Map<String, String> m = new TreeMap<>();
    for (String line : FakeAgentAssembly.lines(assembly, id, what)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return m;
  }

  private void awaitReady(String id) throws InterruptedException {
    await(() -> Files.exists(assembly.resolve("out").resolve(id + ".ready")), WAIT, "agent " + id);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void createVmStartsTheAgentWithExactlyItsOwnEnvironment() throws Exception {
    assumeTrue(
        "must-not-leak".equals(System.getenv("COCOS_MANAGER_TEST_SECRET")),
        "surefire sets COCOS_MANAGER_TEST_SECRET in the manager's environment");
    start("sleep", Map.of());
    manager.runtime.registry().create(json(manifest("env-1")), new byte[0]);
    CreateRes res =
        vms()
            .createVm(
                CreateReq.newBuilder()
                    .setAgentLogLevel("debug")
                    .setAgentCvmClientCert(ByteString.copyFromUtf8("CERT PEM"))
                    .setAgentCvmClientKey(ByteString.copyFromUtf8("KEY PEM"))
                    .setAwsRegion("eu-west-1")
                    .setComputationId("env-1")
                    .build());
    String id = res.getCvmId();
    assertEquals(id, UUID.fromString(id).toString());
    int port = Integer.parseInt(res.getForwardedPort());
    assertTrue(port >= firstPort && port <= firstPort + 30, "port " + port + " in the range");

    // The per-VM folder: what a VM would get over 9P.
    Path dir = vmDir(id);
    assertEquals("rwx------", mode(dir));
    assertEquals("rwx------", mode(dir.resolve("certs")));
    assertEquals("rwx------", mode(dir.resolve("env")));
    for (String f : List.of("cert.pem", "key.pem", "ca.pem")) {
      assertEquals("rw-------", mode(dir.resolve("certs").resolve(f)), f);
    }
    assertEquals("CERT PEM", Files.readString(dir.resolve("certs/cert.pem")));
    assertEquals("KEY PEM", Files.readString(dir.resolve("certs/key.pem")));
    assertEquals(0, Files.size(dir.resolve("certs/ca.pem")), "always written, possibly empty");
    Path envFile = dir.resolve("env/environment");
    assertEquals("rw-------", mode(envFile));
    String certs = dir.resolve("certs").toString();
    assertEquals(
        "AGENT_CVM_GRPC_CLIENT_CERT="
            + certs
            + "/cert.pem\n"
            + "AGENT_CVM_GRPC_CLIENT_KEY="
            + certs
            + "/key.pem\n"
            + "AGENT_CVM_GRPC_URL=127.0.0.1:"
            + manager.port()
            + "\n"
            + "AGENT_CVM_ID="
            + id
            + "\n"
            + "AGENT_LOG_LEVEL=debug\n"
            + "AGENT_RUNNERS=bin\n"
            + "AWS_REGION=eu-west-1\n",
        Files.readString(envFile));

    // The process got exactly that, its listen address, and PATH/HOME/LANG/JAVA_HOME.
    Map<String, String> expected = new TreeMap<>();
    for (String line : Files.readAllLines(envFile)) {
      expected.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
    }
    expected.put("AGENT_GRPC_HOST", "127.0.0.1");
    expected.put("AGENT_GRPC_PORT", Integer.toString(port));
    for (String name : ProcessVmBackend.PASSED_THROUGH) {
      if (System.getenv(name) != null) {
        expected.put(name, System.getenv(name));
      }
    }
    Map<String, String> env = recorded(id, "env");
    assertFalse(env.containsKey("COCOS_MANAGER_TEST_SECRET"), "the manager's secret leaked");
    assertEquals(expected, env);

    // Started as the real launcher is: jvm.options (with ${ASSEMBLY}), the launcher class path.
    Map<String, String> info = recorded(id, "info");
    assertEquals("--assembly " + assembly.toAbsolutePath() + " run", info.get("args"));
    assertEquals(assembly.toAbsolutePath().toString(), info.get("assembly.property"));
    assertEquals(dir.resolve("work").toString(), info.get("cwd"));
    assertEquals(dir.resolve("tmp").toString(), info.get("tmpdir"));
    awaitReady(id);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertTrue(s.isConnected(), "the agent listens on the allocated port itself");
    }
    long pid = Long.parseLong(info.get("pid"));

    GetResponse c = computation("env-1");
    assertEquals(id, c.getComputation().getCvmId());
    assertTrue(
        c.getEventsList().stream().anyMatch(e -> e.getType().equals("VmCreated")),
        c.getEventsList().toString());

    CVMInfoRes cvmInfo = vms().cVMInfo(CVMInfoReq.newBuilder().setId(id).build());
    assertEquals(id, cvmInfo.getId());
    assertEquals("edk2-test", cvmInfo.getOvmfVersion());
    assertEquals(4, cvmInfo.getCpuNum());
    assertEquals("host-process", cvmInfo.getCpuType());
    assertEquals("eos-9", cvmInfo.getEosVersion());

    // RemoveVm: the process ends, the files are overwritten and deleted, the port is free.
    Path witness = tmp.resolve("key-witness");
    Files.createLink(witness, dir.resolve("certs/key.pem"));
    vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(Files.exists(dir));
    assertFalse(Files.exists(state.resolve("vms").resolve(id + ".json")));
    assertArrayEquals(new byte[7], Files.readAllBytes(witness), "key.pem overwritten with zeros");
    GetResponse after = computation("env-1");
    assertEquals("Removed", after.getComputation().getState());
    assertEquals("", after.getComputation().getCvmId());

    StatusRuntimeException gone =
        assertThrows(
            StatusRuntimeException.class,
            () -> vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build()));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    assertEquals("entity not found", gone.getStatus().getDescription());

    CreateRes again = vms().createVm(CreateReq.getDefaultInstance());
    assertEquals(res.getForwardedPort(), again.getForwardedPort(), "the port was released");
    Map<String, String> noCerts = recorded(again.getCvmId(), "env");
    assertEquals("info", noCerts.get("AGENT_LOG_LEVEL"), "the default level");
    assertFalse(noCerts.containsKey("AGENT_CVM_GRPC_CLIENT_CERT"));
  }

  @Test
  void theVmLimitIsEnforced() throws Exception {
    start("sleep", Map.of("maxVms", 2));
    String a = vms().createVm(CreateReq.getDefaultInstance()).getCvmId();
    vms().createVm(CreateReq.getDefaultInstance());
    StatusRuntimeException full =
        assertThrows(
            StatusRuntimeException.class, () -> vms().createVm(CreateReq.getDefaultInstance()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
    assertTrue(
        full.getStatus().getDescription().startsWith("maximum number of VMs exceeded"),
        full.getStatus().getDescription());
    vms().removeVm(RemoveReq.newBuilder().setCvmId(a).build());
    vms().createVm(CreateReq.getDefaultInstance());
  }

  @Test
  void anAgentThatExitsFailsItsComputationWithItsLastOutput() throws Exception {
    start("exit", Map.of());
    manager.runtime.registry().create(json(manifest("crash")), new byte[0]);
    String id = vms().createVm(CreateReq.newBuilder().setComputationId("crash").build()).getCvmId();
    await(
        () -> computation("crash").getComputation().getState().equals("Failed"),
        WAIT,
        "the computation to fail");
    GetResponse c = computation("crash");
    assertTrue(c.getComputation().getTerminal());
    assertTrue(
        c.getComputation().getError().contains("ended unexpectedly (exit code 3)"),
        c.getComputation().getError());
    ComputationEvent exited =
        c.getEventsList().stream().filter(e -> e.getType().equals("VmExited")).findFirst().get();
    String details = exited.getDetails().toStringUtf8();
    assertTrue(details.contains("\"exit_code\":3"), details);
    assertTrue(details.contains("fake agent fails now"), details);
    assertTrue(details.contains("fake agent line 60"), details);
    assertFalse(details.contains("fake agent line 1\""), "only the last lines: " + details);
    await(() -> !Files.exists(vmDir(id)), WAIT, "the folder to be wiped");
    // The VM is still known, so a client's RemoveVm succeeds; then it is gone.
    vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    assertThrows(
        StatusRuntimeException.class,
        () -> vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build()));
  }

  @Test
  void anAgentIgnoringSigtermIsKilledWithItsChildren() throws Exception {
    start("child", Map.of("stopGraceMillis", 1000L));
    String id = vms().createVm(CreateReq.getDefaultInstance()).getCvmId();
    awaitReady(id);
    long agent = Long.parseLong(recorded(id, "info").get("pid"));
    long child = Long.parseLong(FakeAgentAssembly.lines(assembly, id, "child").get(0).trim());
    assertTrue(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
    long t0 = System.nanoTime();
    vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(millis >= 1000, "waited the grace period first: " + millis + " ms");
    await(
        () -> !ProcessHandle.of(agent).map(ProcessHandle::isAlive).orElse(false),
        WAIT,
        "the agent to be killed");
    await(
        () -> !ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false),
        WAIT,
        "the agent's child to be killed");
  }

  @Test
  void theTimeToLiveRemovesTheVm() throws Exception {
    start("sleep", Map.of());
    manager.runtime.registry().create(json(manifest("ttl")), new byte[0]);
    String id =
        vms()
            .createVm(CreateReq.newBuilder().setTtl("1500ms").setComputationId("ttl").build())
            .getCvmId();
    long pid = Long.parseLong(recorded(id, "info").get("pid"));
    await(() -> !manager.runtime.vms().exists(id), WAIT, "the TTL removal");
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(Files.exists(vmDir(id)));
    List<String> types =
        computation("ttl").getEventsList().stream().map(ComputationEvent::getType).toList();
    assertTrue(types.contains("TtlExpired") && types.contains("VmRemoved"), types.toString());
  }

  @Test
  void badRequestsAreRefusedBeforeAnythingStarts() throws Exception {
    start("sleep", Map.of());
    StatusRuntimeException ttl =
        assertThrows(
            StatusRuntimeException.class,
            () -> vms().createVm(CreateReq.newBuilder().setTtl("1 day").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, ttl.getStatus().getCode());
    assertTrue(
        ttl.getStatus().getDescription().startsWith("ttl: '1 day' is not a duration"),
        ttl.getStatus().getDescription());
    StatusRuntimeException injected =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                vms()
                    .createVm(
                        CreateReq.newBuilder()
                            .setAwsRegion("x\nAGENT_CVM_GRPC_URL=evil:1")
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, injected.getStatus().getCode());
    assertTrue(injected.getStatus().getDescription().startsWith("aws_region must not contain"));
    StatusRuntimeException unknown =
        assertThrows(
            StatusRuntimeException.class,
            () -> vms().createVm(CreateReq.newBuilder().setComputationId("nope").build()));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    StatusRuntimeException policy =
        assertThrows(
            StatusRuntimeException.class,
            () -> vms().attestationPolicy(AttestationPolicyReq.newBuilder().setId("x").build()));
    assertEquals(Status.Code.NOT_FOUND, policy.getStatus().getCode());
    try (Stream<Path> s = Files.list(state.resolve("vms"))) {
      assertEquals(List.of(), s.toList(), "nothing left behind");
    }
  }

  @Test
  void withoutAnAgentAssemblyCreateVmSaysWhatToSet() throws Exception {
    start("sleep", Map.of("agentAssembly", ""));
    manager.runtime.registry().create(json(manifest("unset")), new byte[0]);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> vms().createVm(CreateReq.newBuilder().setComputationId("unset").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertEquals(
        "MANAGER_AGENT_ASSEMBLY is not set: point it at agent-app/target/assembly",
        e.getStatus().getDescription());
    try (Stream<Path> s = Files.list(state.resolve("vms"))) {
      assertEquals(List.of(), s.toList(), "the folder is wiped again");
    }
    assertEquals("", computation("unset").getComputation().getCvmId(), "unbound again");
    assertEquals("Registered", computation("unset").getComputation().getState());
  }

  @Test
  void aRestartedManagerReattachesToRunningAgentsAndCleansUpAfterDeadOnes() throws Exception {
    start("sleep", Map.of());
    manager.runtime.registry().create(json(manifest("alive")), new byte[0]);
    manager.runtime.registry().create(json(manifest("dead")), new byte[0]);
    String alive =
        vms()
            .createVm(CreateReq.newBuilder().setComputationId("alive").setTtl("1h").build())
            .getCvmId();
    String dead =
        vms().createVm(CreateReq.newBuilder().setComputationId("dead").build()).getCvmId();
    long alivePid = Long.parseLong(recorded(alive, "info").get("pid"));
    long deadPid = Long.parseLong(recorded(dead, "info").get("pid"));
    Path orphan =
        Files.createDirectories(state.resolve("vms").resolve(UUID.randomUUID().toString()));
    Files.writeString(orphan.resolve("key.pem"), "secret");

    manager.close(); // the agents keep running (CocosAI behaviour)
    manager = null;
    assertTrue(ProcessHandle.of(alivePid).map(ProcessHandle::isAlive).orElse(false));
    ProcessHandle.of(deadPid).ifPresent(ProcessHandle::destroyForcibly);
    await(() -> !ProcessHandle.of(deadPid).map(ProcessHandle::isAlive).orElse(false), WAIT, "kill");

    Map<String, Object> config = new HashMap<>();
    config.put("stateDir", state.toString());
    config.put("agentAssembly", assembly.toString());
    config.put("hostFwdRange", firstPort + "-" + (firstPort + 30));
    manager =
        new TestSupport.Harness(
            new ManagerRuntime(
                TestSupport.config(config),
                new ProcessVmBackend(
                    assembly.toString(), ProcessVmBackend.currentJava(), System.getenv()),
                Clock.systemUTC()));
    vms = ManagerServiceGrpc.newBlockingStub(manager.channel);

    assertEquals(List.of(alive), manager.runtime.vms().ids());
    assertTrue(
        computation("alive").getEventsList().stream()
            .anyMatch(e -> e.getType().equals("VmReattached")));
    GetResponse lost = computation("dead");
    assertEquals("Failed", lost.getComputation().getState());
    assertTrue(lost.getEventsList().stream().anyMatch(e -> e.getType().equals("VmLost")));
    assertFalse(Files.exists(vmDir(dead)));
    assertFalse(Files.exists(orphan), "a folder without a record is wiped");

    // The re-attached agent is followed: its unexpected end fails its computation.
    ProcessHandle.of(alivePid).ifPresent(ProcessHandle::destroyForcibly);
    await(
        () -> computation("alive").getComputation().getState().equals("Failed"),
        WAIT,
        "the re-attached agent's end");
    assertTrue(computation("alive").getComputation().getError().contains("exit code unknown"));
  }

  @Test
  void stopAgentsOnShutdownRemovesEveryVm() throws Exception {
    start("sleep", Map.of("stopAgentsOnShutdown", true));
    String id = vms().createVm(CreateReq.getDefaultInstance()).getCvmId();
    long pid = Long.parseLong(recorded(id, "info").get("pid"));
    manager.close();
    manager = null;
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(Files.exists(vmDir(id)));
    assertFalse(Files.exists(state.resolve("vms").resolve(id + ".json")));
  }

  @Test
  void attestationPolicyNeedsATeeBackend() throws Exception {
    start("sleep", Map.of());
    String id = vms().createVm(CreateReq.getDefaultInstance()).getCvmId();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> vms().attestationPolicy(AttestationPolicyReq.newBuilder().setId(id).build()));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    assertTrue(manager.runtime.vms().exists(id));
    awaitReady(id);
    // The agent's output goes to its log file; the tail is what a failure event carries.
    List<String> tail = ProcessVmBackend.tail(vmDir(id).resolve("agent.log"), 50);
    assertEquals(50, tail.size());
    assertEquals("fake agent line 60", tail.get(49));
    assertEquals("fake agent line 11", tail.get(0));
  }
}
