package ai.cocos.manager.internal;

import static ai.cocos.manager.internal.TestSupport.OWNER;
import static ai.cocos.manager.internal.TestSupport.json;
import static ai.cocos.manager.internal.TestSupport.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.CreateComputationRequest;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.computations.v1.ListRequest;
import ai.cocos.proto.computations.v1.WatchRequest;
import ai.cocos.proto.computations.v1.WatchResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The computation service over real gRPC on loopback. */
class ComputationsServiceTest {
  @TempDir Path state;
  private TestSupport.Harness manager;

  private ComputationsGrpc.ComputationsBlockingStub start(Map<String, Object> config)
      throws Exception {
    Map<String, Object> c = new java.util.HashMap<>(config);
    c.put("stateDir", state.toString());
    manager =
        new TestSupport.Harness(
            TestSupport.config(c),
            new ProcessVmBackend("", ProcessVmBackend.currentJava(), Map.of()));
    return ComputationsGrpc.newBlockingStub(manager.channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (manager != null) {
      manager.close();
    }
  }

  private static CreateComputationRequest create(byte[] json, byte[] signature) {
    return CreateComputationRequest.newBuilder()
        .setManifestJson(ByteString.copyFrom(json))
        .setOwnerSignature(ByteString.copyFrom(signature))
        .build();
  }

  @Test
  void createListGetWatch() throws Exception {
    ComputationsGrpc.ComputationsBlockingStub stub = start(Map.of());
    Manifest m = manifest("svc-1");
    Computation c = stub.create(create(json(m), new byte[0]));
    assertEquals("svc-1", c.getId());
    assertEquals("Registered", c.getState());
    assertEquals(ManifestSignature.digest(m).hex(), c.getManifestDigest());
    assertEquals(4, c.getPartiesCount());
    assertEquals("data-provider", c.getParties(1).getRole());
    assertEquals("a.csv", c.getParties(1).getDataset());
    assertEquals(m.datasets().get(0).userKey().fingerprint(), c.getParties(1).getKeyFingerprint());
    assertTrue(c.getCreated().getSeconds() > 0);
    assertEquals("", c.getCvmId());

    stub.create(create(json(manifest("svc-2")), new byte[0]));
    assertEquals(
        List.of("svc-1", "svc-2"),
        stub.list(ListRequest.getDefaultInstance()).getComputationsList().stream()
            .map(Computation::getId)
            .toList());

    GetResponse got = stub.get(GetRequest.newBuilder().setId("svc-1").build());
    assertEquals(c.getManifestDigest(), got.getComputation().getManifestDigest());
    assertEquals("Registered", got.getEvents(0).getType());
    assertEquals("manager", got.getEvents(0).getOriginator());
    assertEquals(1, got.getEvents(0).getSeq());

    // Watch: the computation, the replay, the live events, the end.
    manager.runtime.registry().agentLog("svc-1", null, "info", "replayed");
    List<WatchResponse> seen = new ArrayList<>();
    Iterator<WatchResponse> it = stub.watch(WatchRequest.newBuilder().setId("svc-1").build());
    seen.add(it.next());
    seen.add(it.next());
    seen.add(it.next());
    manager.runtime.registry().agentEvent("svc-1", null, "agent", "Failed", "Failed", new byte[0]);
    it.forEachRemaining(seen::add);
    assertEquals("Registered", seen.get(0).getComputation().getState());
    assertEquals(1, seen.get(1).getEvent().getSeq());
    assertEquals("replayed", seen.get(2).getEvent().getMessage());
    assertEquals("Failed", seen.get(3).getEvent().getType());
    assertEquals("Failed", seen.get(4).getComputation().getState());
    assertEquals(5, seen.size(), "the stream ends at the terminal state");

    // after_seq skips what the client has; a terminal computation's watch ends at once.
    List<WatchResponse> rest = new ArrayList<>();
    stub.watch(WatchRequest.newBuilder().setId("svc-1").setAfterSeq(2).build())
        .forEachRemaining(rest::add);
    assertEquals(2, rest.size());
    assertEquals(3, rest.get(1).getEvent().getSeq());
  }

  @Test
  void errorsCarryTheRightStatusAndSayWhy() throws Exception {
    ComputationsGrpc.ComputationsBlockingStub stub = start(Map.of());
    StatusRuntimeException invalid =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.create(
                    create(
                        "{\"id\":\"\",\"algorithm\":{},\"result_consumers\":[]}".getBytes(),
                        new byte[0])));
    assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
    String d = invalid.getStatus().getDescription();
    assertTrue(d.contains("problems in the manifest"), d);
    assertTrue(
        d.contains("id:") && d.contains("algorithm.hash") && d.contains("result_consumers"), d);

    stub.create(create(json(manifest("twice")), new byte[0]));
    StatusRuntimeException dup =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.create(create(json(manifest("twice")), new byte[0])));
    assertEquals(Status.Code.ALREADY_EXISTS, dup.getStatus().getCode());
    assertTrue(dup.getStatus().getDescription().contains("'twice'"));

    for (String missing : List.of("get", "watch")) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> {
                if (missing.equals("get")) {
                  stub.get(GetRequest.newBuilder().setId("ghost").build());
                } else {
                  stub.watch(WatchRequest.newBuilder().setId("ghost").build()).hasNext();
                }
              });
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), missing);
    }
  }

  @Test
  void ownerSignatureIsRequiredWhenTheManagerHasAnOwnerKey() throws Exception {
    Path key = state.resolve("owner.pem");
    java.nio.file.Files.writeString(key, PemKeys.toPem(OWNER.getPublic()));
    ComputationsGrpc.ComputationsBlockingStub stub = start(Map.of("ownerKey", key.toString()));
    Manifest m = manifest("owned");
    StatusRuntimeException unsigned =
        assertThrows(StatusRuntimeException.class, () -> stub.create(create(json(m), new byte[0])));
    assertEquals(Status.Code.PERMISSION_DENIED, unsigned.getStatus().getCode());
    assertTrue(unsigned.getStatus().getDescription().contains("not signed"));
    StatusRuntimeException bad =
        assertThrows(
            StatusRuntimeException.class, () -> stub.create(create(json(m), new byte[] {1, 2, 3})));
    assertEquals(Status.Code.PERMISSION_DENIED, bad.getStatus().getCode());
    assertTrue(bad.getStatus().getDescription().contains("does not verify"));
    Computation ok = stub.create(create(json(m), ManifestSignature.sign(m, OWNER.getPrivate())));
    assertTrue(ok.getOwnerSigned());
    assertFalse(ok.getTerminal());
  }

  @Test
  void anOwnerKeyThatDoesNotParseStopsTheManagerFromStarting() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ManagerRuntime(
                    TestSupport.config(
                        Map.of(
                            "stateDir",
                            state.toString(),
                            "ownerKey",
                            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")),
                    new ProcessVmBackend("", ProcessVmBackend.currentJava(), Map.of()),
                    java.time.Clock.systemUTC()));
    assertTrue(e.getMessage().startsWith("MANAGER_OWNER_KEY"), e.getMessage());
  }

  @Test
  void computationsSurviveAManagerRestart() throws Exception {
    ComputationsGrpc.ComputationsBlockingStub stub = start(Map.of());
    stub.create(create(json(manifest("kept")), new byte[0]));
    manager
        .runtime
        .registry()
        .agentEvent("kept", null, "agent", "Running", "InProgress", new byte[0]);
    manager.close();
    ComputationsGrpc.ComputationsBlockingStub again = start(Map.of());
    GetResponse got = again.get(GetRequest.newBuilder().setId("kept").build());
    assertEquals("Running", got.getComputation().getState());
    assertEquals("Running", got.getEvents(got.getEventsCount() - 1).getType());
  }

  @Test
  void aStateFolderServesOneManagerAtATime() throws Exception {
    start(Map.of());
    IllegalStateException busy =
        assertThrows(
            IllegalStateException.class,
            () ->
                new ManagerRuntime(
                    TestSupport.config(Map.of("stateDir", state.toString())),
                    new ProcessVmBackend("", ProcessVmBackend.currentJava(), Map.of()),
                    java.time.Clock.systemUTC()));
    assertTrue(busy.getMessage().contains("is in use by the manager with PID"), busy.getMessage());
    manager.close();
    manager = null;
    new ManagerRuntime(
            TestSupport.config(Map.of("stateDir", state.toString())),
            new ProcessVmBackend("", ProcessVmBackend.currentJava(), Map.of()),
            java.time.Clock.systemUTC())
        .close();
  }
}
