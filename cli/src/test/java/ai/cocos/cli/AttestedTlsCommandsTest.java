package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.State;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.atls.AtlsBinding;
import ai.cocos.atls.AtlsCertificates;
import ai.cocos.atls.AtlsClaims;
import ai.cocos.atls.AtlsServerKeyManager;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.ZipInputStream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code algo}, {@code data} and {@code result} over attested TLS, against the agent's real runtime
 * and gRPC service behind real TLS 1.3, whose certificates carry the emulated provider's real
 * evidence. A computation completes; and every cause of distrust — evidence for another key, a
 * replayed certificate, a policy pinning another measurement, an agent holding another manifest,
 * emulated evidence under a policy that does not allow it, an expired CRL, no policy at all — makes
 * the CLI refuse before it sends anything (the agent sees no call), naming the cause.
 */
class AttestedTlsCommandsTest {
  static final byte[] ALGORITHM =
      "#!/bin/sh\ntr a-z A-Z < datasets/in.csv > results/out.txt\n"
          .getBytes(StandardCharsets.UTF_8);
  static final byte[] DATA = "id,word\n1,attested\n".getBytes(StandardCharsets.UTF_8);

  @TempDir static Path dir;
  static TestKeys.Party party;
  static Path algorithm;
  static Path dataset;
  static Path manifestFile;
  static Manifest manifest;
  static Manifest other;
  static EmulatedProvider emulated;
  static Path policyFile;
  static Policy policy;

  @TempDir Path work;
  AttestedAgent agent;

  @BeforeAll
  static void computation() throws Exception {
    party = TestKeys.party(dir.resolve("party"), KeyType.ECDSA);
    algorithm = Files.write(dir.resolve("upper.sh"), ALGORITHM);
    dataset = Files.write(dir.resolve("in.csv"), DATA);
    manifestFile = createManifest("atls-cli-1");
    manifest = new ManifestParser().parse(Files.readAllBytes(manifestFile));
    other = new ManifestParser().parse(Files.readAllBytes(createManifest("atls-cli-2")));
    assertTrue(manifest.agentConfig().attestedTls());

    emulated = new EmulatedProvider(EmulatedSettings.in(dir.resolve("emulated-tee")));
    policy =
        emulated.policyFrom(
            emulated.gather(new EvidenceRequest(new byte[64], new byte[32])), Instant.now());
    policyFile = writePolicy("policy.json", policy);
  }

  static Path createManifest(String id) {
    Path out = dir.resolve(id + ".json");
    Run run =
        Run.of(
            "manifest",
            "create",
            "-o",
            out.toString(),
            "--id",
            id,
            "--algorithm",
            algorithm.toString(),
            "--algorithm-key",
            party.publicFile().toString(),
            "--dataset",
            dataset + "=" + party.publicFile(),
            "--consumer",
            party.publicFile().toString(),
            "--attested-tls");
    assertEquals(0, run.exitCode(), run::toString);
    return out;
  }

  static Path writePolicy(String name, Policy p) throws Exception {
    return Files.writeString(dir.resolve(name), PolicyDocument.standard().write(p));
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
  }

  static AtlsServerKeyManager keyManager(Sha3Hash digest) {
    return new AtlsServerKeyManager(
        AtlsCertificates.newKeyPair(), digest, emulated::gather, Clock.systemUTC());
  }

  AttestedAgent start(X509ExtendedKeyManager km) throws Exception {
    agent = AttestedAgent.start(work, manifest, km, null);
    return agent;
  }

  Map<String, String> env(Path policy) {
    Map<String, String> env = new HashMap<>(agent.env());
    env.put("COCOS_MANIFEST", manifestFile.toString());
    if (policy != null) {
      env.put("AGENT_GRPC_ATTESTATION_POLICY", policy.toString());
    }
    return env;
  }

  Run algo(Map<String, String> env) {
    return Run.with(env, "algo", algorithm.toString(), party.privateFile().toString(), "-q");
  }

  /** The CLI refused before sending: the agent saw no call and still awaits the algorithm. */
  String refused(Run run) {
    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(0, agent.calls.get(), "a call reached the agent");
    assertEquals(State.ReceivingAlgorithm, agent.computation.state());
    assertTrue(
        run.err().contains("attested TLS refused: the agent at 127.0.0.1:" + agent.port()),
        run::toString);
    assertTrue(run.err().contains("nothing was sent to it"), run::toString);
    return run.err();
  }

  @Test
  void aComputationCompletesOverAttestedTls() throws Exception {
    start(keyManager(ManifestSignature.digest(manifest)));
    Map<String, String> env = env(policyFile);

    Run verbose =
        Run.with(env, "algo", algorithm.toString(), party.privateFile().toString(), "-q", "-v");
    assertEquals(0, verbose.exitCode(), verbose::toString);
    assertTrue(verbose.err().contains("with aTLS (attested TLS ("), verbose::toString);
    assertTrue(verbose.err().contains("agent_config.attested_tls: true"), verbose::toString);
    assertTrue(verbose.err().contains("emulated, not a real TEE"), verbose::toString);
    assertFalse(verbose.err().contains("not encrypted"), verbose::toString);

    Run data = Run.with(env, "data", dataset.toString(), party.privateFile().toString(), "-q");
    assertEquals(0, data.exitCode(), data::toString);
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (agent.computation.state() != State.ConsumingResults && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertEquals(State.ConsumingResults, agent.computation.state());

    Path out = Files.createDirectories(work.resolve("out"));
    Run result =
        Run.with(env, "result", party.privateFile().toString(), "-o", out.toString(), "-q");
    assertEquals(0, result.exitCode(), result::toString);
    try (ZipInputStream zip =
        new ZipInputStream(Files.newInputStream(out.resolve("results.zip")))) {
      assertEquals("out.txt", zip.getNextEntry().getName());
      assertEquals("ID,WORD\n1,ATTESTED\n", new String(zip.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(3, agent.calls.get());
  }

  @Test
  void evidenceForAnotherKeyIsRefused() throws Exception {
    AtlsServerKeyManager genuine = keyManager(ManifestSignature.digest(manifest));
    KeyPair mine = AtlsCertificates.newKeyPair();
    start(
        new Forger(mine.getPrivate()) {
          @Override
          X509Certificate certificate(byte[] nonce) throws Exception {
            AtlsClaims real = AtlsCertificates.claims(genuine.certificateFor(nonce)).orElseThrow();
            return AtlsCertificates.create(
                mine, real, AtlsBinding.serverName(nonce), Instant.now());
          }
        });
    String err = refused(algo(env(policyFile)));
    assertTrue(err.contains("  - evidence is bound to another key"), err);
  }

  @Test
  void aReplayedCertificateIsRefused() throws Exception {
    KeyPair keys = AtlsCertificates.newKeyPair();
    X509Certificate recorded =
        new AtlsServerKeyManager(
                keys, ManifestSignature.digest(manifest), emulated::gather, Clock.systemUTC())
            .certificateFor(AtlsBinding.newNonce());
    start(
        new Forger(keys.getPrivate()) {
          @Override
          X509Certificate certificate(byte[] nonce) {
            return recorded;
          }
        });
    String err = refused(algo(env(policyFile)));
    assertTrue(err.contains("evidence is bound to another nonce (replayed handshake)"), err);
  }

  @Test
  void aPolicyPinningAnotherMeasurementIsRefused() throws Exception {
    start(keyManager(ManifestSignature.digest(manifest)));
    Map<String, Object> rules = new HashMap<>(policy.rules());
    @SuppressWarnings("unchecked")
    Map<String, Object> snp = new HashMap<>((Map<String, Object>) rules.get("snp"));
    String measurement = "9f".repeat(48);
    snp.put("measurements", List.of(measurement));
    rules.put("snp", snp);
    Path otherPolicy = writePolicy("other-measurement.json", new Policy("emulated", rules));
    String err = refused(algo(env(otherPolicy)));
    assertTrue(err.contains("snp.measurements: launch measurement"), err);
    assertTrue(err.contains("is not in the policy's allow-list"), err);
  }

  @Test
  void anAgentHoldingAnotherManifestIsRefused() throws Exception {
    Sha3Hash held = ManifestSignature.digest(other);
    start(keyManager(held));
    String err = refused(algo(env(policyFile)));
    assertTrue(
        err.contains(
            "the agent holds manifest "
                + held.hex()
                + ", expected "
                + ManifestSignature.digest(manifest).hex()),
        err);
  }

  @Test
  void emulatedEvidenceUnderAPolicyThatDoesNotAllowItIsRefused() throws Exception {
    start(keyManager(ManifestSignature.digest(manifest)));
    Path snpPolicy = writePolicy("snp.json", new Policy("snp", policy.rules()));
    String err = refused(algo(env(snpPolicy)));
    assertTrue(err.contains("the evidence is emulated, not a real TEE"), err);
    assertTrue(err.contains("does not allow emulated evidence"), err);
  }

  @Test
  void anExpiredCrlIsRefused() throws Exception {
    // The agent's emulated CRL was issued 8 days ago, current for 7: it expired yesterday.
    EmulatedProvider stale =
        new EmulatedProvider(
            EmulatedSettings.in(dir.resolve("emulated-tee")),
            Clock.fixed(Instant.now().minus(Duration.ofDays(8)), ZoneOffset.UTC));
    start(
        new AtlsServerKeyManager(
            AtlsCertificates.newKeyPair(),
            ManifestSignature.digest(manifest),
            stale::gather,
            Clock.systemUTC()));
    String err = refused(algo(env(policyFile)));
    assertTrue(err.contains("crl: revocation check failed"), err);
    assertTrue(err.contains("expired"), err);
  }

  @Test
  void withoutAPolicyTheCliDoesNotConnect() throws Exception {
    start(keyManager(ManifestSignature.digest(manifest)));
    Run run = algo(env(null));
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("no attestation policy is given"), run::toString);
    assertTrue(run.err().contains("AGENT_GRPC_ATTESTATION_POLICY"), run::toString);
    assertEquals(0, agent.calls.get());
  }

  @Test
  void aPlainTlsClientAgainstAnAttestedAgentIsToldWhatToSet() throws Exception {
    start(keyManager(ManifestSignature.digest(manifest)));
    // A manifest without attested_tls, a CA to trust: the client speaks plain TLS.
    KeyPair ca = PemKeys.generate(KeyType.ECDSA);
    Path caFile =
        Files.writeString(
            dir.resolve("ca.pem"),
            Certificates.toPem(Certificates.selfSignedCa("ca", ca, Duration.ofDays(1))));
    Path plainManifest = dir.resolve("plain.json");
    Files.write(
        plainManifest,
        Files.readString(manifestFile)
            .replace("\"attested_tls\": true", "\"attested_tls\": false")
            .replace("\"attested_tls\":true", "\"attested_tls\":false")
            .getBytes(StandardCharsets.UTF_8));
    Map<String, String> env = new HashMap<>(agent.env());
    env.put("COCOS_MANIFEST", plainManifest.toString());
    env.put("AGENT_GRPC_SERVER_CA_CERTS", caFile.toString());
    Run run = algo(env);
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("AGENT_GRPC_ATTESTED_TLS=true"), run::toString);
    assertEquals(0, agent.calls.get());
  }

  /** A server key manager answering every nonce with a certificate of its making. */
  abstract static class Forger extends X509ExtendedKeyManager {
    private final PrivateKey key;
    private final AtomicReference<byte[]> nonce = new AtomicReference<>();

    Forger(PrivateKey key) {
      this.key = key;
    }

    abstract X509Certificate certificate(byte[] nonce) throws Exception;

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      if (!"EC".equals(keyType)) {
        return null;
      }
      var session = (javax.net.ssl.ExtendedSSLSession) engine.getHandshakeSession();
      String host =
          new javax.net.ssl.SNIHostName(session.getRequestedServerNames().get(0).getEncoded())
              .getAsciiName();
      nonce.set(AtlsBinding.nonce(host).orElseThrow());
      return "forged";
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      try {
        return new X509Certificate[] {certificate(nonce.get())};
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
