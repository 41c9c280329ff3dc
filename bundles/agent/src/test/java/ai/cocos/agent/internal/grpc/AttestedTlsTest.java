package ai.cocos.agent.internal.grpc;

import static ai.cocos.agent.internal.grpc.GrpcTestSupport.AGENT_CERT;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.AGENT_KEY;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.ALGO;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CLIENT_CA;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CLIENT_CERT;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CLIENT_KEY;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.CONSUMER;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_A;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_A_CSV;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_B;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.DATA_B_CSV;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.await;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.newId;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.signed;
import static ai.cocos.agent.internal.grpc.GrpcTestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.Agent;
import ai.cocos.agent.Operation;
import ai.cocos.agent.internal.TestAgents;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.atls.AtlsRefusedException;
import ai.cocos.atls.AtlsTrustManager;
import ai.cocos.atls.AtlsVerification;
import ai.cocos.atls.netty.AtlsSslContext;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attested TLS in the agent, driven by a real computation management service over real gRPC: a
 * manifest with {@code attested_tls: true} switches the endpoint to a key manager made in memory
 * (no key file anywhere), whose certificates carry the emulated provider's real evidence; parties
 * connect through the attested-TLS trust manager and complete the computation. A party whose policy
 * or expected manifest does not match is refused during the handshake, before sending a byte; no
 * provider able to gather fails the computation, naming why.
 */
class AttestedTlsTest {
  static final byte[] JOIN =
      utf8(
          "#!/bin/sh\n"
              + "{ cat datasets/a.csv datasets/b.csv; } > results/out.txt\n"
              + "echo joined\n");

  @TempDir static Path shared;
  static EmulatedProvider emulated;
  static Policy policy;

  @TempDir Path tmp;
  Agent agent;
  TestEndpoint endpoint;
  TlsSwitch tls;
  TestCvms cvms;
  CvmsClient client;
  final List<AtlsVerification> verified = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void provider() throws Exception {
    emulated = new EmulatedProvider(EmulatedSettings.in(shared.resolve("emulated")));
    policy =
        emulated.policyFrom(
            emulated.gather(new EvidenceRequest(new byte[64], new byte[32])), Instant.now());
  }

  /** The agent's plugin registry, holding the given TEE providers. */
  static PluginRegistry providers(TeeProvider... providers) {
    return new PluginRegistry() {
      @Override
      public List<PluginInfo> plugins() {
        return List.of();
      }

      @Override
      public WorkloadRunner runner(String type) throws RunnerUnavailableException {
        throw new RunnerUnavailableException(type);
      }

      @Override
      public Optional<TeeProvider> teeProvider(String platform) {
        return teeProviders().stream().filter(p -> p.platform().equals(platform)).findFirst();
      }

      @Override
      public List<TeeProvider> teeProviders() {
        return List.of(providers);
      }
    };
  }

  void start(PluginRegistry plugins) throws Exception {
    Path work = tmp.resolve("work");
    agent = TestAgents.start(work, TestAgents.processRunner(), 64L << 20);
    endpoint = new TestEndpoint(new AgentGrpcService(agent));
    tls =
        new TlsSwitch(
            TlsSwitch.folder(work), endpoint, new AttestedTls(plugins, Clock.systemUTC()));
    cvms = new TestCvms();
    client =
        new CvmsClient(
            new CvmsClient.Settings(
                cvms.target(),
                "cvm-9",
                InsecureChannelCredentials.create(),
                1 << 20,
                Duration.ofSeconds(30),
                10_000,
                Duration.ofMillis(100),
                Duration.ofMillis(400)),
            agent,
            new RunPolicy(new ManifestParser(), Optional.empty(), false),
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

  static AgentConfig attested(boolean mutual) {
    return new AgentConfig(
        0,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        mutual ? Optional.of(Certificates.toPem(CLIENT_CA)) : Optional.empty(),
        true);
  }

  void run(Manifest m) {
    cvms.send(
        GrpcTestSupport.chunks(
            m.id(), GrpcTestSupport.runReq(m, new byte[0]).toByteArray(), 1 << 20));
  }

  /** A party's channel: attested TLS expecting this manifest under the emulated policy. */
  ManagedChannel party(Sha3Hash expected, Policy p, boolean withCertificate) throws Exception {
    AtlsTrustManager tm =
        new AtlsTrustManager(
            p,
            expected,
            platform ->
                platform.equals(TeeProvider.EMULATED) ? Optional.of(emulated) : Optional.empty(),
            Clock.systemUTC(),
            true,
            verified::add);
    return NettyChannelBuilder.forAddress("127.0.0.1", endpoint.port)
        .sslContext(
            AtlsSslContext.forClient(
                tm,
                SslProvider.OPENSSL,
                withCertificate ? CLIENT_KEY.getPrivate() : null,
                withCertificate ? List.of(CLIENT_CERT) : null))
        .build();
  }

  static AtlsRefusedException refusal(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof AtlsRefusedException r) {
        return r;
      }
    }
    throw new AssertionError("no attested-TLS refusal in " + t, t);
  }

  @Test
  void threePartiesCompleteAComputationOverAttestedTls() throws Exception {
    start(providers(emulated));
    Manifest m = GrpcTestSupport.manifest(newId(), JOIN, List.of(), attested(false));
    Sha3Hash digest = ManifestSignature.digest(m);
    run(m);
    assertEquals("", cvms.awaitRunResponse(m.id()).getError());
    assertEquals("atls", endpoint.mode());
    // The key exists only in memory: no key or certificate file.
    assertFalse(Files.exists(TlsSwitch.folder(tmp.resolve("work")).resolve("key.pem")));
    assertFalse(Files.exists(TlsSwitch.folder(tmp.resolve("work")).resolve("cert.pem")));
    cvms.awaitEvent(m.id(), "ReceivingAlgorithm", "InProgress");

    // A party expecting another manifest is refused in the handshake: nothing reaches the agent.
    Sha3Hash other =
        ManifestSignature.digest(
            GrpcTestSupport.manifest(newId(), JOIN, List.of(), attested(false)));
    ManagedChannel wrong = party(other, policy, false);
    try {
      Status refused = PartyClient.algo(wrong, signed(m, Operation.algo(), ALGO), JOIN, 16);
      assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), refused.toString());
      String reasons = refusal(refused.getCause()).getMessage();
      assertTrue(
          reasons.contains(
              "the agent holds manifest " + digest.hex() + ", expected " + other.hex()),
          reasons);
    } finally {
      PartyClient.shutdown(wrong);
    }
    // A client that does not speak attested TLS gets no certificate; plaintext gets nothing.
    ManagedChannel plainTls =
        NettyChannelBuilder.forAddress("127.0.0.1", endpoint.port)
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .build())
            .build();
    ManagedChannel plaintext = PartyClient.plaintext(endpoint.port);
    for (ManagedChannel ch : List.of(plainTls, plaintext)) {
      try {
        assertThrows(StatusRuntimeException.class, () -> PartyClient.health(ch));
      } finally {
        PartyClient.shutdown(ch);
      }
    }

    ManagedChannel ch = party(digest, policy, false);
    try {
      assertEquals(ServingStatus.SERVING, PartyClient.health(ch));
      // The refused party's upload never arrived: the algorithm is still awaited and accepted.
      assertEquals(Status.OK, PartyClient.algo(ch, signed(m, Operation.algo(), ALGO), JOIN, 16));
      assertEquals(
          Status.OK,
          PartyClient.data(ch, signed(m, Operation.data("a.csv"), DATA_A), "a.csv", DATA_A_CSV, 4));
      assertEquals(
          Status.OK,
          PartyClient.data(ch, signed(m, Operation.data("b.csv"), DATA_B), "b.csv", DATA_B_CSV, 4));
      cvms.awaitEvent(m.id(), "ConsumingResults", "Ready");
      PartyClient.Fetched got = PartyClient.result(ch, signed(m, Operation.result(), CONSUMER));
      assertEquals(Status.OK, got.status());
      Map<String, byte[]> entries = GrpcTestSupport.unzip(got.zip());
      assertArrayEquals(
          utf8(new String(DATA_A_CSV) + new String(DATA_B_CSV)), entries.get("out.txt"));
    } finally {
      PartyClient.shutdown(ch);
    }
    assertFalse(verified.isEmpty());
    assertTrue(verified.get(0).emulated());
    assertEquals(digest, verified.get(0).claims().manifest());

    cvms.awaitEvent(m.id(), "Wiped", "Completed");
    await("plaintext again", Duration.ofSeconds(10), () -> endpoint.mode().equals("none"));
    assertEquals(List.of("none", "atls", "none"), endpoint.modes);
  }

  @Test
  void mutualAttestedTlsWhenTheManifestNamesAClientCa() throws Exception {
    start(providers(emulated));
    Manifest m = GrpcTestSupport.manifest(newId(), JOIN, List.of(), attested(true));
    run(m);
    assertEquals("", cvms.awaitRunResponse(m.id()).getError());
    assertEquals("matls", endpoint.mode());
    assertTrue(Files.exists(TlsSwitch.folder(tmp.resolve("work")).resolve("client-ca.pem")));
    Sha3Hash digest = ManifestSignature.digest(m);

    ManagedChannel anonymous = party(digest, policy, false);
    try {
      assertThrows(StatusRuntimeException.class, () -> PartyClient.health(anonymous));
    } finally {
      PartyClient.shutdown(anonymous);
    }
    ManagedChannel ch = party(digest, policy, true);
    try {
      assertEquals(ServingStatus.SERVING, PartyClient.health(ch));
      assertEquals(Status.OK, PartyClient.algo(ch, signed(m, Operation.algo(), ALGO), JOIN, 64));
    } finally {
      PartyClient.shutdown(ch);
    }
  }

  @Test
  void withoutAProviderThatCanGatherTheComputationFailsNamingWhy() throws Exception {
    start(providers());
    Manifest m = GrpcTestSupport.manifest(newId(), JOIN, List.of(), attested(false));
    run(m);
    String error = cvms.awaitRunResponse(m.id()).getError();
    assertTrue(error.contains("cannot be served over TLS: attested TLS is not available"), error);
    assertTrue(error.contains("installed: none"), error);
    assertEquals(List.of("none"), endpoint.modes);
    await(
        "the computation to end",
        Duration.ofSeconds(10),
        () -> agent.current().map(c -> c.finished()).orElse(true));
  }

  @Test
  void aManifestGivingAKeyAlongsideAttestedTlsIsRefused() throws Exception {
    start(providers(emulated));
    Manifest m =
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
    run(m);
    String error = cvms.awaitRunResponse(m.id()).getError();
    assertTrue(error.contains("remove cert_file and key_file"), error);
    assertTrue(agent.current().isEmpty());
  }
}
