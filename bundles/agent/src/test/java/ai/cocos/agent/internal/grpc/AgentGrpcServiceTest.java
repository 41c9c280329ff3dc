package ai.cocos.agent.internal.grpc;

import static ai.cocos.agent.internal.grpc.GrpcTestSupport.ALGO;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CONSUMER;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_A;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_A_CSV;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_B;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_B_CSV;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.STRANGER;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.await;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.signed;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.unzip;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.Agent;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.Operation;
import ai.cocos.agent.State;
import ai.cocos.agent.StateException;
import ai.cocos.agent.internal.TestAgents;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.Manifest;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AttestationTokenRequest;
import ai.cocos.proto.agent.IMAMeasurementsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AgentService adapter over real gRPC and the real agent core, one computation started directly
 * (the CVMS path is {@link CvmsClientTest}): status codes and messages of every refusal, and that a
 * refusal loses nothing accepted.
 */
class AgentGrpcServiceTest {
  static final byte[] JOIN =
      utf8(
          "#!/bin/sh\n"
              + "cat datasets/a.csv datasets/b.csv > results/joined.csv\n"
              + "head -c 3145728 /dev/urandom > results/big.bin\n");
  static final byte[] HOLD = utf8("#!/bin/sh\nexec sleep 30\n");
  static final int CHUNK = 7;

  @TempDir Path tmp;
  Agent agent;
  TestEndpoint endpoint;
  ManagedChannel ch;

  @BeforeEach
  void start() throws Exception {
    agent = TestAgents.start(tmp.resolve("work"), TestAgents.processRunner(), 64L << 20);
    endpoint = new TestEndpoint(new AgentGrpcService(agent));
    ch = PartyClient.plaintext(endpoint.port);
  }

  @AfterEach
  void stop() throws Exception {
    PartyClient.shutdown(ch);
    endpoint.close();
    TestAgents.stop(agent);
  }

  ComputationService begin(byte[] algorithm) throws Exception {
    return agent.start(
        GrpcTestSupport.manifest(
            GrpcTestSupport.newId(), algorithm, List.of(), AgentConfig.DEFAULTS));
  }

  Status algo(Manifest m, byte[] bytes) throws Exception {
    return PartyClient.algo(ch, signed(m, Operation.algo(), ALGO), bytes, CHUNK);
  }

  Status data(Manifest m, String name, byte[] bytes, java.security.KeyPair key) throws Exception {
    return PartyClient.data(ch, signed(m, Operation.data(name), key), name, bytes, CHUNK);
  }

  static void assertStatus(Status.Code code, String text, Status actual) {
    assertEquals(code, actual.getCode(), actual.toString());
    assertTrue(
        actual.getDescription() != null && actual.getDescription().contains(text),
        actual.toString());
  }

  @Test
  void beforeAnyManifestEveryCallSaysSo() throws Exception {
    Manifest m = GrpcTestSupport.manifest("never", JOIN, List.of(), AgentConfig.DEFAULTS);
    assertStatus(Status.Code.FAILED_PRECONDITION, GrpcStatuses.NO_COMPUTATION, algo(m, JOIN));
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        GrpcStatuses.NO_COMPUTATION,
        data(m, "a.csv", DATA_A_CSV, DATA_A));
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        GrpcStatuses.NO_COMPUTATION,
        PartyClient.result(ch, signed(m, Operation.result(), CONSUMER)).status());
  }

  @Test
  void imaAndAzureTokenAreNotAvailableInThisBuild() {
    // Attestation itself: AttestationCallTest.
    AgentServiceGrpc.AgentServiceBlockingStub stub =
        AgentServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
    for (Executable call :
        List.<Executable>of(
            () -> stub.iMAMeasurements(IMAMeasurementsRequest.getDefaultInstance()).hasNext(),
            () -> stub.azureAttestationToken(AttestationTokenRequest.getDefaultInstance()))) {
      StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, call);
      assertStatus(Status.Code.UNIMPLEMENTED, "attestation is not available", e.getStatus());
    }
  }

  @Test
  void aStrangersSignatureIsUnauthenticatedAnotherRolesKeyIsPermissionDenied() throws Exception {
    ComputationService c = begin(JOIN);
    Manifest m = c.manifest();
    Status stranger = PartyClient.algo(ch, signed(m, Operation.algo(), STRANGER), JOIN, CHUNK);
    assertEquals(Status.Code.UNAUTHENTICATED, stranger.getCode(), stranger.toString());
    Status dataKey = PartyClient.algo(ch, signed(m, Operation.algo(), DATA_A), JOIN, CHUNK);
    assertEquals(Status.Code.PERMISSION_DENIED, dataKey.getCode(), dataKey.toString());
    Status unsigned = PartyClient.algo(ch, new Metadata(), JOIN, CHUNK);
    assertEquals(Status.Code.UNAUTHENTICATED, unsigned.getCode(), unsigned.toString());
    assertEquals(State.ReceivingAlgorithm, c.state());

    assertEquals(Status.OK, algo(m, JOIN));
    // Dataset b.csv signed with a.csv's provider key: a valid key of another dataset.
    Status otherDataset =
        PartyClient.data(ch, signed(m, Operation.data("b.csv"), DATA_A), "b.csv", DATA_B_CSV, 5);
    assertEquals(Status.Code.PERMISSION_DENIED, otherDataset.getCode(), otherDataset.toString());
    // A signature for a.csv used to upload b.csv: the message names another file.
    Status swapped =
        PartyClient.data(ch, signed(m, Operation.data("a.csv"), DATA_A), "b.csv", DATA_B_CSV, 5);
    assertTrue(
        swapped.getCode() == Status.Code.UNAUTHENTICATED
            || swapped.getCode() == Status.Code.PERMISSION_DENIED,
        swapped.toString());
    assertEquals(State.ReceivingData, c.state());
  }

  @Test
  void aHashMismatchIsInvalidArgumentAndTheRightUploadStillWorks() throws Exception {
    ComputationService c = begin(JOIN);
    Manifest m = c.manifest();
    byte[] tampered = JOIN.clone();
    tampered[tampered.length - 1] = '#';
    Status bad = algo(m, tampered);
    assertStatus(Status.Code.INVALID_ARGUMENT, "SHA3-256", bad);
    assertEquals(State.ReceivingAlgorithm, c.state());
    assertEquals(Status.OK, algo(m, JOIN));
    assertEquals(State.ReceivingData, c.state());
  }

  @Test
  void theSameDatasetTwiceIsAlreadyExistsAndUndeclaredOnesAreNotFound() throws Exception {
    ComputationService c = begin(JOIN);
    Manifest m = c.manifest();
    assertEquals(Status.OK, algo(m, JOIN));
    assertEquals(Status.OK, data(m, "a.csv", DATA_A_CSV, DATA_A));
    assertStatus(Status.Code.ALREADY_EXISTS, "a.csv", data(m, "a.csv", DATA_A_CSV, DATA_A));
    assertEquals(
        Status.Code.NOT_FOUND, data(m, "c.csv", DATA_A_CSV, DATA_A).getCode(), "undeclared");
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "plain file name",
        PartyClient.data(ch, new Metadata(), "../etc/passwd", DATA_A_CSV, 5));
    assertEquals(State.ReceivingData, c.state());
    assertEquals(Status.OK, data(m, "b.csv", DATA_B_CSV, DATA_B));
    await("the run", Duration.ofSeconds(20), () -> c.state() == State.ConsumingResults);
  }

  @Test
  void uploadsAfterTheRunStartedAreRefused() throws Exception {
    ComputationService c = begin(HOLD);
    Manifest m = c.manifest();
    assertEquals(Status.OK, algo(m, HOLD));
    assertEquals(Status.OK, data(m, "a.csv", DATA_A_CSV, DATA_A));
    assertEquals(Status.OK, data(m, "b.csv", DATA_B_CSV, DATA_B));
    assertEquals(State.Running, c.state());
    assertStatus(Status.Code.ALREADY_EXISTS, "algorithm was already received", algo(m, HOLD));
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        StateException.PREFIX + "Running",
        data(m, "b.csv", DATA_B_CSV, DATA_B));
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        "results are not ready",
        PartyClient.result(ch, signed(m, Operation.result(), CONSUMER)).status());
    assertEquals(State.Running, c.state());
  }

  @Test
  void aClientThatBreaksOffMidUploadLeavesNothingBehind() throws Exception {
    ComputationService c = begin(JOIN);
    Manifest m = c.manifest();
    assertEquals(Status.OK, algo(m, JOIN));
    Status cancelled =
        PartyClient.dataCancelled(
            ch, signed(m, Operation.data("a.csv"), DATA_A), "a.csv", utf8("id,x\n1,"));
    assertEquals(Status.Code.CANCELLED, cancelled.getCode(), cancelled.toString());
    Path folder = tmp.resolve("work").resolve(c.id());
    await(
        "the aborted upload's temporary file to go",
        Duration.ofSeconds(5),
        () -> !Files.exists(folder.resolve("datasets/a.csv")) && emptyIncoming(folder));
    assertEquals(State.ReceivingData, c.state());
    assertEquals(Status.OK, data(m, "a.csv", DATA_A_CSV, DATA_A));
    assertEquals(Status.OK, data(m, "b.csv", DATA_B_CSV, DATA_B));
    await("the run", Duration.ofSeconds(20), () -> c.state() == State.ConsumingResults);
  }

  @Test
  void resultsGoOnlyToConsumersOnlyOnceReadyInChunksWithTheirSize() throws Exception {
    ComputationService c = begin(JOIN);
    Manifest m = c.manifest();
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        "results are not ready",
        PartyClient.result(ch, signed(m, Operation.result(), CONSUMER)).status());
    assertEquals(Status.OK, algo(m, JOIN));
    assertEquals(Status.OK, data(m, "a.csv", DATA_A_CSV, DATA_A));
    assertEquals(Status.OK, data(m, "b.csv", DATA_B_CSV, DATA_B));
    await("the run", Duration.ofSeconds(20), () -> c.state() == State.ConsumingResults);

    PartyClient.Fetched stranger = PartyClient.result(ch, signed(m, Operation.result(), STRANGER));
    assertEquals(Status.Code.UNAUTHENTICATED, stranger.status().getCode());
    PartyClient.Fetched provider = PartyClient.result(ch, signed(m, Operation.result(), DATA_A));
    assertEquals(Status.Code.PERMISSION_DENIED, provider.status().getCode());
    assertEquals(State.ConsumingResults, c.state());

    PartyClient.Fetched got = PartyClient.result(ch, signed(m, Operation.result(), CONSUMER));
    assertEquals(Status.OK, got.status());
    assertEquals(Long.toString(got.zip().length), got.fileSize());
    assertTrue(got.chunkSizes().size() >= 4, got.chunkSizes().toString());
    assertTrue(
        got.chunkSizes().stream().allMatch(n -> n <= AgentGrpcService.CHUNK_BYTES),
        got.chunkSizes().toString());
    Map<String, byte[]> entries = unzip(got.zip());
    assertArrayEquals(
        (new String(DATA_A_CSV) + new String(DATA_B_CSV)).getBytes(),
        entries.get("joined.csv"),
        entries.keySet().toString());
    assertEquals(3 << 20, entries.get("big.bin").length);

    // Served to its only consumer: wiped; a late request learns that.
    await("the wipe", Duration.ofSeconds(10), c::finished);
    assertEquals(
        Status.Code.NOT_FOUND,
        PartyClient.result(ch, signed(m, Operation.result(), CONSUMER)).status().getCode());
  }

  @Test
  void aComputationWithACertificateIsServedOverTlsOnly() throws Exception {
    ComputationService c =
        agent.start(
            GrpcTestSupport.manifest(
                GrpcTestSupport.newId(), JOIN, List.of(), GrpcTestSupport.tls(false)));
    Status plain = algo(c.manifest(), JOIN);
    assertStatus(Status.Code.FAILED_PRECONDITION, "over TLS only", plain);
    assertEquals(State.ReceivingAlgorithm, c.state());
  }

  @Test
  void algoMetadataContradictingTheManifestIsRefusedByName() throws Exception {
    ComputationService c = begin(JOIN);
    Metadata md = signed(c.manifest(), Operation.algo(), ALGO);
    md.put(Metadata.Key.of(AgentGrpcService.ALGO_TYPE, Metadata.ASCII_STRING_MARSHALLER), "wasm");
    Status s = PartyClient.algo(ch, md, JOIN, CHUNK);
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("wasm"), s.toString());
    assertEquals(State.ReceivingAlgorithm, c.state());
    assertFalse(c.finished());
  }

  private static boolean emptyIncoming(Path folder) {
    Path incoming = folder.resolve(".incoming");
    if (!Files.exists(incoming)) {
      return true;
    }
    try (Stream<Path> s = Files.list(incoming)) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
