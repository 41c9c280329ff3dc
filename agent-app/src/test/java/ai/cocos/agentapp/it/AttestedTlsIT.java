package ai.cocos.agentapp.it;

import static ai.cocos.agentapp.it.ItSupport.algo;
import static ai.cocos.agentapp.it.ItSupport.data;
import static ai.cocos.agentapp.it.ItSupport.health;
import static ai.cocos.agentapp.it.ItSupport.pem;
import static ai.cocos.agentapp.it.ItSupport.plaintext;
import static ai.cocos.agentapp.it.ItSupport.result;
import static ai.cocos.agentapp.it.ItSupport.serves;
import static ai.cocos.agentapp.it.ItSupport.sha3;
import static ai.cocos.agentapp.it.ItSupport.unzip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agentapp.it.ItSupport.Cvms;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.atls.AtlsRefusedException;
import ai.cocos.atls.AtlsTrustManager;
import ai.cocos.atls.AtlsVerification;
import ai.cocos.atls.netty.AtlsSslContext;
import ai.cocos.core.launch.AssemblyProcess;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import ai.cocos.transport.grpc.RunRequests;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Attested TLS in the assembled agent, a real process: the run request's manifest says {@code
 * attested_tls: true}, the agent makes its key in memory and publishes its key manager as a
 * service; ConfigurationAdmin restarts the endpoint with {@code tlsKeyManager} on the same port;
 * the parties verify the emulated provider's evidence (under a policy allowing emulation and
 * pinning this machine's emulated root) in every handshake and complete the computation; a party
 * expecting another manifest is refused before sending anything; the endpoint returns to plaintext
 * once the results are wiped.
 */
class AttestedTlsIT {
  private static final Path ASSEMBLY = Path.of(System.getProperty("cocos.assembly.dir"));
  private static final Duration START = Duration.ofSeconds(60);
  private static final byte[] ALGORITHM =
      "#!/bin/sh\ntr a-z A-Z < datasets/in.txt > results/out.txt\n"
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] DATA = "attested hello\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void aComputationWithAttestedTlsCompletesAndAWrongManifestIsRefused() throws Exception {
    KeyPair algoKey = PemKeys.generate(KeyType.ECDSA);
    KeyPair dataKey = PemKeys.generate(KeyType.ED25519);
    KeyPair consumerKey = PemKeys.generate(KeyType.ECDSA);
    Manifest m =
        new Manifest(
            "atls-it-" + ProcessHandle.current().pid(),
            "attested",
            "",
            List.of(new DatasetSpec(sha3(DATA), pem(dataKey), "in.txt", false)),
            new AlgorithmSpec(sha3(ALGORITHM), pem(algoKey), "bin", List.of()),
            List.of(new ResultConsumer(pem(consumerKey))),
            new AgentConfig(
                0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true));
    Sha3Hash digest = ManifestSignature.digest(m);

    Path work = Files.createTempDirectory("cocos-agent-atls-it-");
    Path teeDir = work.resolve("emulated-tee");
    // The relying party's policy for this machine's emulated TEE (same identity folder as the
    // agent's): written from evidence it gathered itself, so pinning that root is its choice.
    EmulatedProvider verifier = new EmulatedProvider(EmulatedSettings.in(teeDir));
    Policy policy =
        verifier.policyFrom(
            verifier.gather(new EvidenceRequest(new byte[64], new byte[32])), Instant.now());
    List<AtlsVerification> verified = new CopyOnWriteArrayList<>();

    Cvms cvms = new Cvms();
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
                "127.0.0.1:" + cvms.port(),
                "AGENT_CVM_ID",
                "atls-cvm",
                "AGENT_WORK_DIR",
                work.resolve("work").toString(),
                "AGENT_EMULATED_TEE_DIR",
                teeDir.toString()))) {
      agent.awaitLine(l -> l.startsWith("Cocos agent started"), START);
      ItSupport.await("the agent's stream", () -> cvms.stream != null);

      for (ServerStreamMessage chunk :
          RunRequests.chunks(m.id(), RunRequests.toProto(m, new byte[0]).toByteArray(), 1 << 20)) {
        cvms.send(chunk);
      }
      ClientStreamMessage answer = cvms.await(ClientStreamMessage::hasRunRes);
      assertEquals("", answer.getRunRes().getError(), agent.output());
      ItSupport.await(
          "the endpoint to restart with attested TLS",
          () -> agent.output().contains("a certificate per connection from key manager"));
      assertTrue(agent.output().contains("EMULATED TEE provider"), agent.output());

      ManagedChannel plain = plaintext(port);
      assertThrows(StatusRuntimeException.class, () -> health(plain));
      plain.shutdownNow();

      // Expecting another manifest: refused in the handshake, the upload never leaves.
      Sha3Hash other = sha3("another manifest".getBytes(StandardCharsets.UTF_8));
      ManagedChannel wrong = channel(port, policy, other, verified, verifier);
      try {
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> algo(wrong, m, algoKey, ALGORITHM));
        String reasons = refusal(e).getMessage();
        assertTrue(
            reasons.contains("the agent holds manifest " + digest.hex() + ", expected " + other),
            reasons);
      } finally {
        wrong.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      ManagedChannel ch = channel(port, policy, digest, verified, verifier);
      try {
        assertEquals(ServingStatus.SERVING, health(ch));
        algo(ch, m, algoKey, ALGORITHM);
        data(ch, m, dataKey, "in.txt", DATA);
        cvms.await(
            e -> e.hasAgentEvent() && e.getAgentEvent().getEventType().equals("ConsumingResults"));
        assertEquals("ATTESTED HELLO\n", unzip(result(ch, m, consumerKey)).get("out.txt"));
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertFalse(verified.isEmpty());
      assertTrue(verified.get(0).emulated());
      assertEquals(TeeProvider.EMULATED, verified.get(0).verdict().platform());

      cvms.await(e -> e.hasAgentEvent() && e.getAgentEvent().getEventType().equals("Wiped"));
      ManagedChannel again = plaintext(port);
      try {
        ItSupport.await("plaintext again", () -> serves(again));
      } finally {
        again.shutdownNow();
      }
      assertFalse(agent.output().contains("key.pem"), "no key file is ever named");
    } finally {
      cvms.close();
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static ManagedChannel channel(
      int port,
      Policy policy,
      Sha3Hash manifest,
      List<AtlsVerification> verified,
      EmulatedProvider emulated)
      throws Exception {
    AtlsTrustManager tm =
        new AtlsTrustManager(
            policy,
            manifest,
            p -> TeeProvider.EMULATED.equals(p) ? Optional.of(emulated) : Optional.empty(),
            Clock.systemUTC(),
            true,
            verified::add);
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(AtlsSslContext.forClient(tm, SslProvider.OPENSSL, null, null))
        .build();
  }

  private static AtlsRefusedException refusal(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof AtlsRefusedException r) {
        return r;
      }
    }
    throw new AssertionError("no attested-TLS refusal in " + t, t);
  }
}
