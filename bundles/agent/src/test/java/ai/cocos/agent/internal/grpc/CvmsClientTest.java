package ai.cocos.agent.internal.grpc;

import static ai.cocos.agent.internal.grpc.GrpcTestSupport.AGENT_CERT;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.AGENT_KEY;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.ALGO;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CA;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CLIENT_CA;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CLIENT_CERT;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CLIENT_KEY;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CONSUMER;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_A;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_A_CSV;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_B;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_B_CSV;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.OWNER;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.ROGUE_CERT;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.STRANGER;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.await;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.chunks;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.newId;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.runReq;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.signed;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.tls;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.Agent;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.Operation;
import ai.cocos.agent.State;
import ai.cocos.agent.internal.TestAgents;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.proto.cvms.AgentStateReq;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.DisconnectReq;
import ai.cocos.proto.cvms.RunReqChunks;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.StopComputation;
import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent driven by a real computation management service over real gRPC: run requests (chunked,
 * signed), the endpoint switching to the manifest's TLS and back, three parties uploading and
 * downloading over it, refusals with their reasons, and a service that goes away mid-run.
 */
class CvmsClientTest {
  static final byte[] JOIN =
      utf8(
          "#!/bin/sh\n"
              + "{ cat datasets/a.csv datasets/b.csv; printf '%s' \"$1\"; } > results/out.txt\n"
              + "echo \"joined for $1\"\n");

  @TempDir Path tmp;
  Agent agent;
  TestEndpoint endpoint;
  TlsSwitch tls;
  TestCvms cvms;
  CvmsClient client;

  void start(Optional<PublicKey> owner, boolean allowPlaintext) throws Exception {
    start(owner, allowPlaintext, new TestCvms(), InsecureChannelCredentials.create());
  }

  void start(
      Optional<PublicKey> owner,
      boolean allowPlaintext,
      TestCvms service,
      ChannelCredentials credentials)
      throws Exception {
    Path work = tmp.resolve("work");
    agent = TestAgents.start(work, TestAgents.processRunner(), 64L << 20);
    endpoint = new TestEndpoint(new AgentGrpcService(agent));
    tls = new TlsSwitch(TlsSwitch.folder(work), endpoint);
    cvms = service;
    client =
        new CvmsClient(
            new CvmsClient.Settings(
                cvms.target(),
                "cvm-7",
                credentials,
                1 << 20,
                Duration.ofSeconds(30),
                10_000,
                Duration.ofMillis(100),
                Duration.ofMillis(400)),
            agent,
            new RunPolicy(new ManifestParser(), owner, allowPlaintext),
            tls);
    client.start();
    cvms.awaitStreams(1, Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
      tls.close();
      cvms.close();
      endpoint.close();
      TestAgents.stop(agent);
    }
  }

  /** Sends a run request as the manager does: serialized, in chunks. */
  void run(Manifest m, byte[] ownerSignature, int chunkBytes) {
    cvms.send(chunks(m.id(), runReq(m, ownerSignature).toByteArray(), chunkBytes));
  }

  Path tlsFolder() {
    return TlsSwitch.folder(tmp.resolve("work"));
  }

  ManagedChannel trustingChannel() throws Exception {
    return PartyClient.tls(endpoint.port, CA, null, null);
  }

  @Test
  void threePartiesEndToEndOverTls() throws Exception {
    start(Optional.of(OWNER.getPublic()), false);
    Manifest m = GrpcTestSupport.manifest(newId(), JOIN, List.of("--joined"), tls(false));
    run(m, ManifestSignature.sign(m, OWNER.getPrivate()), 700); // several chunks

    assertEquals("", cvms.awaitRunResponse(m.id()).getError());
    assertEquals("cvm-7", cvms.jobIds.get(0));
    assertEquals("tls", endpoint.mode());
    assertEquals(
        "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsFolder())));
    for (String f : List.of("cert.pem", "key.pem")) {
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsFolder().resolve(f))));
    }
    cvms.awaitEvent(m.id(), "ReceivingAlgorithm", "InProgress");

    ManagedChannel plain = PartyClient.plaintext(endpoint.port);
    try {
      StatusRuntimeException refused =
          assertThrows(StatusRuntimeException.class, () -> PartyClient.health(plain));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    } finally {
      PartyClient.shutdown(plain);
    }

    ManagedChannel ch = trustingChannel();
    try {
      assertEquals(ServingStatus.SERVING, PartyClient.health(ch));
      // Algorithm provider, then the two data providers, each with their own key, in chunks.
      assertEquals(Status.OK, PartyClient.algo(ch, signed(m, Operation.algo(), ALGO), JOIN, 16));
      assertEquals(
          Status.OK,
          PartyClient.data(ch, signed(m, Operation.data("a.csv"), DATA_A), "a.csv", DATA_A_CSV, 4));
      assertEquals(
          Status.OK,
          PartyClient.data(ch, signed(m, Operation.data("b.csv"), DATA_B), "b.csv", DATA_B_CSV, 4));
      cvms.awaitEvent(m.id(), "ConsumingResults", "Ready");

      // The consumer gets the zip of what the algorithm wrote.
      PartyClient.Fetched got = PartyClient.result(ch, signed(m, Operation.result(), CONSUMER));
      assertEquals(Status.OK, got.status());
      assertEquals(Long.toString(got.zip().length), got.fileSize());
      Map<String, byte[]> entries = GrpcTestSupport.unzip(got.zip());
      assertArrayEquals(
          utf8(new String(DATA_A_CSV) + new String(DATA_B_CSV) + "--joined"),
          entries.get("out.txt"),
          entries.keySet().toString());
    } finally {
      PartyClient.shutdown(ch);
    }

    // Served to every consumer: wiped, and the endpoint is plaintext again without key files.
    cvms.awaitEvent(m.id(), "Wiped", "Completed");
    await("plaintext again", Duration.ofSeconds(10), () -> endpoint.mode().equals("none"));
    assertEquals(List.of("none", "tls", "none"), endpoint.modes);
    await("the TLS files to go", Duration.ofSeconds(5), () -> !Files.exists(tlsFolder()));
    ManagedChannel again = PartyClient.plaintext(endpoint.port);
    try {
      assertEquals(ServingStatus.SERVING, PartyClient.health(again));
    } finally {
      PartyClient.shutdown(again);
    }
    // The algorithm's output and the agent's own logs reached the service too.
    assertTrue(
        cvms.count(x -> x.hasAgentLog() && x.getAgentLog().getMessage().contains("--joined")) > 0,
        cvms.summary());
  }

  @Test
  void mutualTlsWhenTheManifestNamesAClientCa() throws Exception {
    start(Optional.empty(), false);
    Manifest m = GrpcTestSupport.manifest(newId(), JOIN, List.of(), tls(true));
    run(m, new byte[0], 1 << 20);
    assertEquals("", cvms.awaitRunResponse(m.id()).getError());
    assertEquals("mtls", endpoint.mode());
    assertTrue(Files.exists(tlsFolder().resolve("client-ca.pem")));

    for (ManagedChannel refused :
        List.of(
            PartyClient.tls(endpoint.port, CA, null, null),
            PartyClient.tls(endpoint.port, CA, CLIENT_KEY, ROGUE_CERT))) {
      try {
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> PartyClient.health(refused));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      } finally {
        PartyClient.shutdown(refused);
      }
    }
    ManagedChannel ch = PartyClient.tls(endpoint.port, CA, CLIENT_KEY, CLIENT_CERT);
    try {
      assertEquals(ServingStatus.SERVING, PartyClient.health(ch));
      assertEquals(Status.OK, PartyClient.algo(ch, signed(m, Operation.algo(), ALGO), JOIN, 64));
    } finally {
      PartyClient.shutdown(ch);
    }

    // The service stops it: stopped, wiped, plaintext again.
    cvms.send(
        ServerStreamMessage.newBuilder()
            .setStopComputation(StopComputation.newBuilder().setComputationId(m.id()))
            .build());
    ClientStreamMessage stopped =
        cvms.await(
            "StopComputationResponse",
            ClientStreamMessage::hasStopComputationRes,
            Duration.ofSeconds(20));
    assertEquals(m.id(), stopped.getStopComputationRes().getComputationId());
    assertEquals("", stopped.getStopComputationRes().getMessage());
    cvms.awaitEvent(m.id(), "Stopped", "Stopped");
    await("plaintext again", Duration.ofSeconds(10), () -> endpoint.mode().equals("none"));
    await("the TLS files to go", Duration.ofSeconds(5), () -> !Files.exists(tlsFolder()));
  }

  @Test
  void refusedRunRequestsSayWhyAndStartNothing() throws Exception {
    start(Optional.of(OWNER.getPublic()), false);
    Manifest good = GrpcTestSupport.manifest(newId(), JOIN, List.of(), tls(false));

    run(good, new byte[0], 1 << 20);
    assertTrue(
        cvms.awaitRunResponse(good.id())
            .getError()
            .startsWith("manifest refused: manifest is not signed, but this agent requires"),
        cvms.summary());

    Manifest strangerSigned = GrpcTestSupport.manifest(newId(), JOIN, List.of(), tls(false));
    run(strangerSigned, ManifestSignature.sign(strangerSigned, STRANGER.getPrivate()), 1 << 20);
    assertTrue(
        cvms.awaitRunResponse(strangerSigned.id()).getError().contains("does not verify"),
        cvms.summary());

    Manifest plaintext = GrpcTestSupport.manifest(newId(), JOIN, List.of(), AgentConfig.DEFAULTS);
    run(plaintext, ManifestSignature.sign(plaintext, OWNER.getPrivate()), 1 << 20);
    String noTls = cvms.awaitRunResponse(plaintext.id()).getError();
    assertTrue(noTls.contains("not be encrypted in transit"), noTls);
    assertTrue(noTls.contains("AGENT_ALLOW_PLAINTEXT=true"), noTls);

    Manifest attested =
        GrpcTestSupport.manifest(
            newId(),
            JOIN,
            List.of(),
            new AgentConfig(
                0,
                Optional.of(Certificates.toPem(AGENT_CERT)),
                Optional.of(PemKeys.toPem(AGENT_KEY.getPrivate())),
                Optional.empty(),
                Optional.empty(),
                true));
    run(attested, ManifestSignature.sign(attested, OWNER.getPrivate()), 1 << 20);
    assertTrue(
        cvms.awaitRunResponse(attested.id()).getError().contains("remove cert_file and key_file"),
        cvms.summary());

    String shortId = newId();
    ComputationRunReq broken =
        runReq(good, new byte[0]).toBuilder()
            .setId(shortId)
            .setAlgorithm(
                runReq(good, new byte[0]).getAlgorithm().toBuilder()
                    .setHash(ByteString.copyFrom(new byte[31])))
            .clearResultConsumers()
            .build();
    cvms.send(ServerStreamMessage.newBuilder().setRunReq(broken).build());
    String problems = cvms.awaitRunResponse(shortId).getError();
    assertTrue(
        problems.contains("algorithm.hash: a SHA3-256 hash has 32 bytes, found 31"), problems);
    assertTrue(problems.contains("result_consumers: is empty"), problems);

    String garbled = newId();
    cvms.send(
        List.of(
            ServerStreamMessage.newBuilder()
                .setRunReqChunks(
                    RunReqChunks.newBuilder()
                        .setId(garbled)
                        .setData(ByteString.copyFrom(new byte[] {(byte) 0xff, 1, 2, 3})))
                .build(),
            ServerStreamMessage.newBuilder()
                .setRunReqChunks(RunReqChunks.newBuilder().setId(garbled).setIsLast(true))
                .build()));
    assertTrue(
        cvms.awaitRunResponse(garbled).getError().startsWith("received manifest may be corrupted"),
        cvms.summary());

    assertTrue(agent.current().isEmpty(), "no computation was started");
    assertEquals(List.of("none"), endpoint.modes);

    // The same request, properly signed, now starts.
    run(good, ManifestSignature.sign(good, OWNER.getPrivate()), 1 << 20);
    await(
        "the signed request to start",
        Duration.ofSeconds(20),
        () ->
            cvms.count(x -> x.hasRunRes() && x.getRunRes().getComputationId().equals(good.id()))
                == 2);
    assertEquals(good.id(), agent.current().orElseThrow().id());
  }

  @Test
  void aSecondRunRequestWhileOneRunsIsRefusedAndARedeliveryIsIgnored() throws Exception {
    start(Optional.empty(), false);
    Manifest first = GrpcTestSupport.manifest(newId(), JOIN, List.of(), tls(false));
    run(first, new byte[0], 1 << 20);
    assertEquals("", cvms.awaitRunResponse(first.id()).getError());
    ComputationService running = agent.current().orElseThrow();

    Manifest second = GrpcTestSupport.manifest(newId(), JOIN, List.of(), tls(false));
    run(second, new byte[0], 1 << 20);
    String busy = cvms.awaitRunResponse(second.id()).getError();
    assertTrue(busy.startsWith("computation already running: " + first.id()), busy);

    run(first, new byte[0], 1 << 20); // re-delivered: ignored
    cvms.send(
        ServerStreamMessage.newBuilder()
            .setAgentStateReq(AgentStateReq.newBuilder().setId(first.id()))
            .build());
    ClientStreamMessage state =
        cvms.await("agentStateRes", ClientStreamMessage::hasAgentStateRes, Duration.ofSeconds(10));
    assertEquals(first.id(), state.getAgentStateRes().getId());
    assertEquals("ReceivingAlgorithm", state.getAgentStateRes().getState());
    // Messages are handled in order: had the re-delivery been answered, it would be here by now.
    assertEquals(
        1, cvms.count(x -> x.hasRunRes() && x.getRunRes().getComputationId().equals(first.id())));
    assertSame(running, agent.current().orElseThrow());
    assertEquals(List.of("none", "tls"), endpoint.modes);
  }

  @Test
  void theServiceGoingAwayMidRunNeitherStopsNorRepeatsTheComputation() throws Exception {
    start(Optional.empty(), false);
    Path release = tmp.resolve("release");
    byte[] waits =
        utf8(
            "#!/bin/sh\n"
                + "while [ ! -f \"$1\" ]; do sleep 0.05; done\n"
                + "echo finished > results/out.txt\n"
                + "echo 'the algorithm finished'\n");
    Manifest m = GrpcTestSupport.manifest(newId(), waits, List.of(release.toString()), tls(false));
    byte[] serialized = runReq(m, new byte[0]).toByteArray();
    cvms.send(chunks(m.id(), serialized, 1 << 20));
    assertEquals("", cvms.awaitRunResponse(m.id()).getError());
    ManagedChannel ch = trustingChannel();
    try {
      assertEquals(Status.OK, PartyClient.algo(ch, signed(m, Operation.algo(), ALGO), waits, 64));
      assertEquals(
          Status.OK,
          PartyClient.data(
              ch, signed(m, Operation.data("a.csv"), DATA_A), "a.csv", DATA_A_CSV, 64));
      assertEquals(
          Status.OK,
          PartyClient.data(
              ch, signed(m, Operation.data("b.csv"), DATA_B), "b.csv", DATA_B_CSV, 64));
      cvms.awaitEvent(m.id(), "Running", "Starting");
      ComputationService c = agent.current().orElseThrow();

      cvms.stop(); // the service goes away mid-run
      await("the client to notice", Duration.ofSeconds(10), () -> !client.connected());
      Files.writeString(release, "go");
      await("the run to end", Duration.ofSeconds(20), () -> c.state() == State.ConsumingResults);
      assertTrue(client.pending() > 0, "events wait for the service");
      long readyBefore =
          cvms.count(
              x ->
                  x.hasAgentEvent() && x.getAgentEvent().getEventType().equals("ConsumingResults"));
      assertEquals(0, readyBefore);

      cvms.start(); // back, same address: the agent reconnects by itself
      cvms.awaitStreams(2, Duration.ofSeconds(10));
      assertEquals(List.of("cvm-7", "cvm-7"), cvms.jobIds);
      cvms.awaitEvent(m.id(), "ConsumingResults", "Ready");
      cvms.await(
          "the algorithm's output line",
          x -> x.hasAgentLog() && x.getAgentLog().getMessage().equals("the algorithm finished"),
          Duration.ofSeconds(10));

      // A service that re-sends the run request after the reconnect does not restart anything.
      cvms.send(chunks(m.id(), serialized, 1 << 20));
      cvms.send(
          ServerStreamMessage.newBuilder()
              .setAgentStateReq(AgentStateReq.newBuilder().setId(m.id()))
              .build());
      ClientStreamMessage state =
          cvms.await(
              "agentStateRes", ClientStreamMessage::hasAgentStateRes, Duration.ofSeconds(10));
      assertEquals("ConsumingResults", state.getAgentStateRes().getState());
      assertEquals(
          1, cvms.count(x -> x.hasRunRes() && x.getRunRes().getComputationId().equals(m.id())));
      assertSame(c, agent.current().orElseThrow());

      PartyClient.Fetched got = PartyClient.result(ch, signed(m, Operation.result(), CONSUMER));
      assertEquals(Status.OK, got.status());
      assertArrayEquals(utf8("finished\n"), GrpcTestSupport.unzip(got.zip()).get("out.txt"));
    } finally {
      PartyClient.shutdown(ch);
    }
  }

  @Test
  void disconnectRequestsReconnectAndUnknownStopsSayWhy() throws Exception {
    start(Optional.empty(), false);
    cvms.send(
        ServerStreamMessage.newBuilder()
            .setAgentStateReq(AgentStateReq.newBuilder().setId("x"))
            .build());
    assertEquals(
        "ReceivingManifest",
        cvms.await("agentStateRes", ClientStreamMessage::hasAgentStateRes, Duration.ofSeconds(10))
            .getAgentStateRes()
            .getState());
    cvms.send(
        ServerStreamMessage.newBuilder()
            .setStopComputation(StopComputation.newBuilder().setComputationId("nope"))
            .build());
    assertEquals(
        "no computation nope on this agent",
        cvms.await(
                "StopComputationResponse",
                ClientStreamMessage::hasStopComputationRes,
                Duration.ofSeconds(10))
            .getStopComputationRes()
            .getMessage());
    cvms.send(
        ServerStreamMessage.newBuilder().setDisconnectReq(DisconnectReq.newBuilder()).build());
    cvms.awaitStreams(2, Duration.ofSeconds(10));
  }

  @Test
  void theServiceIsReachedOverMutualTls() throws Exception {
    // The service's certificate from the CA; the agent's client certificate from the client CA.
    Path caFile = Files.writeString(tmp.resolve("ca.pem"), Certificates.toPem(CA));
    Path certFile = Files.writeString(tmp.resolve("cert.pem"), Certificates.toPem(CLIENT_CERT));
    Path keyFile =
        Files.writeString(tmp.resolve("key.pem"), PemKeys.toPem(CLIENT_KEY.getPrivate()));
    SslContextBuilder server =
        GrpcSslContexts.configure(SslContextBuilder.forServer(AGENT_KEY.getPrivate(), AGENT_CERT))
            .trustManager(CLIENT_CA)
            .clientAuth(ClientAuth.REQUIRE);
    start(
        Optional.empty(),
        false,
        new TestCvms(server.build()),
        CvmsCredentials.of(caFile.toString(), certFile.toString(), keyFile.toString()));
    assertEquals("cvm-7", cvms.jobIds.get(0));
    // The service sees the stream before the client has its answer: wait for the client's view.
    await("the client to be connected", Duration.ofSeconds(10), client::connected);

    IllegalArgumentException halfPair =
        assertThrows(
            IllegalArgumentException.class,
            () -> CvmsCredentials.of(caFile.toString(), certFile.toString(), ""));
    assertTrue(halfPair.getMessage().contains("AGENT_CVM_GRPC_CLIENT_KEY"), halfPair.getMessage());
    IllegalArgumentException wrongKey =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CvmsCredentials.of(
                    caFile.toString(),
                    certFile.toString(),
                    Files.writeString(tmp.resolve("other.pem"), PemKeys.toPem(ALGO.getPrivate()))
                        .toString()));
    assertTrue(wrongKey.getMessage().contains("is not the key of"), wrongKey.getMessage());
  }
}
