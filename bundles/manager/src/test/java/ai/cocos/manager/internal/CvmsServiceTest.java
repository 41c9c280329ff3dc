package ai.cocos.manager.internal;

import static ai.cocos.manager.internal.TestSupport.OWNER;
import static ai.cocos.manager.internal.TestSupport.await;
import static ai.cocos.manager.internal.TestSupport.json;
import static ai.cocos.manager.internal.TestSupport.manifest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.computations.v1.StopRequest;
import ai.cocos.proto.computations.v1.WatchRequest;
import ai.cocos.proto.computations.v1.WatchResponse;
import ai.cocos.proto.cvms.AgentEvent;
import ai.cocos.proto.cvms.AgentLog;
import ai.cocos.proto.cvms.AgentStateRes;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.RunReqChunks;
import ai.cocos.proto.cvms.RunResponse;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.StopComputationResponse;
import ai.cocos.transport.grpc.RunRequests;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CVMS stream server, with a real gRPC client playing the agent. */
class CvmsServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path state;
  private TestSupport.Harness manager;
  private ComputationsGrpc.ComputationsBlockingStub computations;

  @BeforeEach
  void start() throws Exception {
    manager =
        new TestSupport.Harness(
            TestSupport.config(Map.of("stateDir", state.toString())),
            new ProcessVmBackend("", ProcessVmBackend.currentJava(), Map.of()));
    computations =
        ComputationsGrpc.newBlockingStub(manager.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    manager.close();
  }

  private GetResponse get(String id) {
    return computations.get(GetRequest.newBuilder().setId(id).build());
  }

  private List<String> types(String id) {
    return get(id).getEventsList().stream().map(ComputationEvent::getType).toList();
  }

  private static ClientStreamMessage event(String type, String status) {
    return ClientStreamMessage.newBuilder()
        .setAgentEvent(
            AgentEvent.newBuilder()
                .setEventType(type)
                .setStatus(status)
                .setOriginator("agent")
                .setTimestamp(Timestamp.newBuilder().setSeconds(1_767_225_600L))
                .setDetails(ByteString.copyFromUtf8("{}")))
        .build();
  }

  private static ClientStreamMessage runResponse(String id, String error) {
    return ClientStreamMessage.newBuilder()
        .setRunRes(RunResponse.newBuilder().setComputationId(id).setError(error))
        .build();
  }

  @Test
  void theBoundAgentReceivesTheChunkedRunRequestOfItsManifest() throws Exception {
    Manifest m = manifest("cvms-1");
    byte[] signature = ManifestSignature.sign(m, OWNER.getPrivate());
    manager.runtime.registry().create(json(m), signature);
    manager.runtime.registry().bind("cvms-1", "cvm-A");

    try (AgentClient agent = new AgentClient(manager.channel, "cvm-A", null)) {
      ComputationRunReq req = agent.runRequest();

      // CocosAI's chunking: data chunks with is_last=false, then one empty chunk with is_last.
      RunReqChunks last = agent.chunks.get(agent.chunks.size() - 1);
      assertTrue(last.getIsLast());
      assertTrue(last.getData().isEmpty());
      assertEquals(2, agent.chunks.size(), "a small request is one data chunk and the end");
      for (RunReqChunks c : agent.chunks) {
        assertEquals("cvms-1", c.getId());
      }
      assertFalse(agent.chunks.get(0).getIsLast());

      assertEquals(RunRequests.toProto(m, signature), req);
      assertEquals("cvms-1", req.getId());
      assertEquals("linear regression", req.getName());
      assertEquals(2, req.getDatasetsCount());
      for (int i = 0; i < 2; i++) {
        DatasetSpec d = m.datasets().get(i);
        assertArrayEquals(d.hash().bytes(), req.getDatasets(i).getHash().toByteArray());
        assertEquals(32, req.getDatasets(i).getHash().size());
        assertArrayEquals(
            TestSupport.HOSPITAL.getPublic().getEncoded(),
            req.getDatasets(i).getUserKey().toByteArray(),
            "userKey is the SubjectPublicKeyInfo DER");
        assertEquals(d.filename(), req.getDatasets(i).getFilename());
        assertEquals(d.decompress(), req.getDatasets(i).getDecompress());
      }
      assertArrayEquals(m.algorithm().hash().bytes(), req.getAlgorithm().getHash().toByteArray());
      assertArrayEquals(
          TestSupport.LAB.getPublic().getEncoded(), req.getAlgorithm().getUserKey().toByteArray());
      assertEquals("python", req.getAlgorithm().getAlgoType());
      assertEquals(List.of("--alpha", "0.5"), req.getAlgorithm().getAlgoArgsList());
      assertArrayEquals(
          TestSupport.CONSUMER.getPublic().getEncoded(),
          req.getResultConsumers(0).getUserKey().toByteArray());
      assertEquals("7002", req.getAgentConfig().getPort());
      assertEquals("", req.getAgentConfig().getCertFile());
      assertArrayEquals(signature, req.getOwnerSignature().toByteArray());
      // The agent side can rebuild the manifest's keys from the DER.
      assertEquals(
          m.algorithm().userKey(), PublicKeyPem.of(req.getAlgorithm().getUserKey().toByteArray()));

      await(() -> types("cvms-1").contains("RunRequestSent"), WAIT, "RunRequestSent");
      assertTrue(types("cvms-1").contains("AgentConnected"));
    }
  }

  @Test
  void bigRequestsAreCutIntoMebibyteChunks() {
    byte[] data = new byte[2 * RunRequests.CHUNK_BYTES + 7];
    Arrays.fill(data, (byte) 7);
    List<ServerStreamMessage> chunks = RunRequests.chunks("x", data);
    assertEquals(4, chunks.size());
    assertEquals(RunRequests.CHUNK_BYTES, chunks.get(0).getRunReqChunks().getData().size());
    assertEquals(RunRequests.CHUNK_BYTES, chunks.get(1).getRunReqChunks().getData().size());
    assertEquals(7, chunks.get(2).getRunReqChunks().getData().size());
    assertFalse(chunks.get(2).getRunReqChunks().getIsLast());
    assertTrue(chunks.get(3).getRunReqChunks().getIsLast());
    assertTrue(chunks.get(3).getRunReqChunks().getData().isEmpty());
  }

  @Test
  void whatTheAgentReportsAppearsInGetAndWatch() throws Exception {
    manager.runtime.registry().create(json(manifest("rep")), new byte[0]);
    List<WatchResponse> watched = new ArrayList<>();
    Thread watcher =
        new Thread(
            () -> {
              Iterator<WatchResponse> it =
                  ComputationsGrpc.newBlockingStub(manager.channel)
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .watch(WatchRequest.newBuilder().setId("rep").build());
              it.forEachRemaining(
                  r -> {
                    synchronized (watched) {
                      watched.add(r);
                    }
                  });
            });
    watcher.start();

    // An agent started by hand may name the computation itself as its job-id.
    try (AgentClient agent = new AgentClient(manager.channel, "rep", null)) {
      agent.runRequest();
      agent.send(runResponse("rep", ""));
      agent.send(event("ReceivingAlgorithm", "InProgress"));
      agent.send(
          ClientStreamMessage.newBuilder()
              .setAgentLog(
                  AgentLog.newBuilder()
                      .setComputationId("rep")
                      .setLevel("info")
                      .setMessage("waiting for the algorithm"))
              .build());
      agent.send(
          ClientStreamMessage.newBuilder()
              .setAgentStateRes(
                  AgentStateRes.newBuilder().setId("rep").setState("ReceivingAlgorithm"))
              .build());
      await(() -> types("rep").contains("AgentState"), WAIT, "the agent's reports");

      GetResponse got = get("rep");
      assertEquals("ReceivingAlgorithm", got.getComputation().getState());
      assertTrue(got.getComputation().getRunRequestAnswered());
      ComputationEvent log =
          got.getEventsList().stream().filter(e -> e.getLevel().equals("info")).findFirst().get();
      assertEquals("waiting for the algorithm", log.getMessage());
      assertEquals(ai.cocos.proto.computations.v1.EventKind.EVENT_KIND_LOG, log.getKind());
      ComputationEvent ev =
          got.getEventsList().stream()
              .filter(e -> e.getType().equals("ReceivingAlgorithm"))
              .findFirst()
              .get();
      assertEquals(1_767_225_600L, ev.getTime().getSeconds(), "the agent's timestamp is kept");
      assertEquals("{}", ev.getDetails().toStringUtf8());

      agent.send(event("Running", "Starting"));
      agent.send(event("ConsumingResults", "Ready"));
      agent.send(event("Complete", "Completed"));
      watcher.join(WAIT.toMillis());
      assertFalse(watcher.isAlive(), "Watch ends once the computation is complete");
    }
    synchronized (watched) {
      assertEquals("Registered", watched.get(0).getComputation().getState());
      WatchResponse lastState =
          watched.stream().filter(WatchResponse::hasComputation).reduce((a, b) -> b).get();
      assertEquals("Complete", lastState.getComputation().getState());
      assertTrue(lastState.getComputation().getTerminal());
      List<String> eventTypes =
          watched.stream()
              .filter(WatchResponse::hasEvent)
              .map(r -> r.getEvent().getType())
              .toList();
      assertTrue(
          eventTypes.containsAll(
              List.of(
                  "Registered",
                  "AgentConnected",
                  "RunRequestSent",
                  "RunResponse",
                  "ReceivingAlgorithm",
                  "AgentState",
                  "Running",
                  "Complete")),
          eventTypes.toString());
      long[] seqs =
          watched.stream()
              .filter(WatchResponse::hasEvent)
              .mapToLong(r -> r.getEvent().getSeq())
              .toArray();
      for (int i = 1; i < seqs.length; i++) {
        assertEquals(seqs[i - 1] + 1, seqs[i], "no gaps, no repeats");
      }
    }
  }

  @Test
  void aReconnectingAgentIsNotSentTheAnsweredRunRequestAgain() throws Exception {
    manager.runtime.registry().create(json(manifest("again")), new byte[0]);
    manager.runtime.registry().bind("again", "cvm-R");
    try (AgentClient first = new AgentClient(manager.channel, "cvm-R", null)) {
      first.runRequest();
      first.send(runResponse("again", ""));
      await(() -> get("again").getComputation().getRunRequestAnswered(), WAIT, "the answer");
      first.cancel();
    }
    await(() -> types("again").contains("AgentDisconnected"), WAIT, "the disconnect event");
    try (AgentClient second = new AgentClient(manager.channel, "cvm-R", null)) {
      ServerStreamMessage m = second.next(WAIT);
      assertTrue(m.hasAgentStateReq(), "asked for its state, not sent the request: " + m);
      assertEquals("again", m.getAgentStateReq().getId());
      assertNull(second.received.poll(300, TimeUnit.MILLISECONDS));
    }
    List<String> t = types("again");
    assertEquals(1, t.stream().filter("RunRequestSent"::equals).count(), t.toString());
    assertTrue(t.contains("RunRequestSkipped"));
    ComputationEvent disconnected =
        get("again").getEventsList().stream()
            .filter(e -> e.getType().equals("AgentDisconnected"))
            .findFirst()
            .get();
    assertTrue(disconnected.getMessage().contains("CANCELLED"), disconnected.getMessage());
  }

  @Test
  void anUnansweredRunRequestIsSentAgainOnReconnect() throws Exception {
    manager.runtime.registry().create(json(manifest("unanswered")), new byte[0]);
    try (AgentClient first = new AgentClient(manager.channel, "unanswered", null)) {
      first.runRequest();
    }
    await(() -> types("unanswered").contains("AgentDisconnected"), WAIT, "the disconnect");
    try (AgentClient second = new AgentClient(manager.channel, "unanswered", null)) {
      assertEquals("unanswered", second.runRequest().getId());
    }
  }

  @Test
  void stopIsSentToTheAgentAndItsAnswerEndsTheComputation() throws Exception {
    manager.runtime.registry().create(json(manifest("halt")), new byte[0]);
    StatusRuntimeException notConnected =
        assertThrows(
            StatusRuntimeException.class,
            () -> computations.stop(StopRequest.newBuilder().setId("halt").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, notConnected.getStatus().getCode());
    assertTrue(notConnected.getStatus().getDescription().contains("no agent is connected"));

    try (AgentClient agent = new AgentClient(manager.channel, "halt", null)) {
      agent.runRequest();
      agent.send(runResponse("halt", ""));
      computations.stop(StopRequest.newBuilder().setId("halt").build());
      ServerStreamMessage m = agent.next(WAIT);
      assertTrue(m.hasStopComputation(), m.toString());
      assertEquals("halt", m.getStopComputation().getComputationId());
      agent.send(
          ClientStreamMessage.newBuilder()
              .setStopComputationRes(StopComputationResponse.newBuilder().setComputationId("halt"))
              .build());
      await(() -> get("halt").getComputation().getTerminal(), WAIT, "the stop answer");
      assertEquals("Stopped", get("halt").getComputation().getState());
    }
    StatusRuntimeException already =
        assertThrows(
            StatusRuntimeException.class,
            () -> computations.stop(StopRequest.newBuilder().setId("halt").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, already.getStatus().getCode());
  }

  @Test
  void agentsWithoutAComputationAndLogForwardersGetNoRunRequest() throws Exception {
    manager.runtime.registry().create(json(manifest("fwd")), new byte[0]);
    try (AgentClient stranger = new AgentClient(manager.channel, "unknown-cvm", null);
        AgentClient anonymous = new AgentClient(manager.channel, null, null);
        AgentClient forwarder = new AgentClient(manager.channel, "fwd", "log-forwarder")) {
      forwarder.send(
          ClientStreamMessage.newBuilder()
              .setAgentLog(AgentLog.newBuilder().setLevel("warn").setMessage("from the forwarder"))
              .build());
      stranger.send(event("Running", "InProgress"));
      await(
          () -> get("fwd").getEventsList().stream().anyMatch(e -> e.getLevel().equals("warn")),
          WAIT,
          "the forwarded log line");
      assertNull(stranger.received.poll(300, TimeUnit.MILLISECONDS));
      assertNull(anonymous.received.poll(10, TimeUnit.MILLISECONDS));
      assertNull(forwarder.received.poll(10, TimeUnit.MILLISECONDS));
      assertFalse(stranger.ended.isDone(), "kept open: the agent would only reconnect");
      assertFalse(types("fwd").contains("RunRequestSent"));
      assertEquals("Registered", get("fwd").getComputation().getState());
    }
  }

  @Test
  void aFailedRunResponseFailsTheComputation() throws Exception {
    manager.runtime.registry().create(json(manifest("bad-run")), new byte[0]);
    try (AgentClient agent = new AgentClient(manager.channel, "bad-run", null)) {
      agent.runRequest();
      agent.send(runResponse("bad-run", "listen tcp :7002: address already in use"));
      await(() -> get("bad-run").getComputation().getTerminal(), WAIT, "the failure");
    }
    var c = get("bad-run").getComputation();
    assertEquals("Failed", c.getState());
    assertEquals("listen tcp :7002: address already in use", c.getError());
  }
}
