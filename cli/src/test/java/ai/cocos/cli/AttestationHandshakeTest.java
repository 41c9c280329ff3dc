package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.State;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.atls.AtlsBinding;
import ai.cocos.atls.AtlsCertificates;
import ai.cocos.atls.AtlsClaims;
import ai.cocos.atls.AtlsServerKeyManager;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestCanonical;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import ai.cocos.tee.vtpm.VtpmProvider;
import ai.cocos.tee.vtpm.VtpmSettings;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attestation handshake}, first contact with an agent serving attested TLS, against the
 * agent's real runtime behind real TLS 1.3 whose certificates carry real vTPM quotes from software
 * TPMs (swtpm), as in a Cocos VM: the evidence is written and no call, not one byte of application
 * data, reaches the agent; the attestation key is the same for every handshake of one TPM; a policy
 * written from the file then carries {@code algo} over attested TLS, and a policy written from
 * another TPM's handshake (another AK) is refused. Evidence for another key, for another nonce, for
 * another manifest, and a certificate without evidence make it refuse, naming the cause, and write
 * nothing.
 */
class AttestationHandshakeTest {
  private static final Pattern AK = Pattern.compile("vtpm\\.ak\\.sha256: ([0-9a-f]{64})");

  @TempDir static Path dir;
  static TestKeys.Party party;
  static Path algorithm;
  static Path manifestFile;
  static Manifest manifest;
  static Manifest other;
  static SoftTpm tpmA;
  static SoftTpm tpmB;
  static VtpmProvider vtpmA;
  static VtpmProvider vtpmB;

  @TempDir Path work;
  AttestedAgent agent;
  AtlsServerKeyManager keys;

  @BeforeAll
  static void twoVms() throws Exception {
    party = TestKeys.party(dir.resolve("party"), KeyType.ECDSA);
    algorithm = Files.write(dir.resolve("upper.sh"), AttestedTlsCommandsTest.ALGORITHM);
    Path dataset = Files.write(dir.resolve("in.csv"), AttestedTlsCommandsTest.DATA);
    manifestFile = createManifest("first-contact-1", dataset);
    manifest = new ManifestParser().parse(Files.readAllBytes(manifestFile));
    other =
        new ManifestParser().parse(Files.readAllBytes(createManifest("first-contact-2", dataset)));
    // Two TPMs: two VMs, two attestation keys. Each holds the manifest in PCR16, as the agent
    // measures it on acceptance.
    tpmA = SoftTpm.start(dir.resolve("tpm-a"));
    tpmB = SoftTpm.start(dir.resolve("tpm-b"));
    vtpmA = agentProvider(tpmA);
    vtpmB = agentProvider(tpmB);
    for (VtpmProvider p : new VtpmProvider[] {vtpmA, vtpmB}) {
      p.extend(RuntimeMeasurements.MANIFEST, ManifestCanonical.bytes(manifest)).orElseThrow();
    }
  }

  @AfterAll
  static void stopTpms() throws Exception {
    for (SoftTpm t : new SoftTpm[] {tpmA, tpmB}) {
      if (t != null) {
        t.close();
      }
    }
  }

  /** The provider as the agent in a VM configures it (no event log: no firmware here). */
  static VtpmProvider agentProvider(SoftTpm tpm) {
    return new VtpmProvider(
        VtpmSettings.defaults().withDevice(tpm.device()).withEventLog(dir.resolve("no-event-log")));
  }

  static Path createManifest(String id, Path dataset) {
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

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  AttestedAgent start(X509ExtendedKeyManager km) throws Exception {
    agent = AttestedAgent.start(work, manifest, km, null);
    return agent;
  }

  AttestedAgent startVtpm(VtpmProvider tpm, Sha3Hash held) throws Exception {
    keys =
        new AtlsServerKeyManager(
            AtlsCertificates.newKeyPair(), held, tpm::gather, Clock.systemUTC());
    return start(keys);
  }

  Run handshake(Path out) {
    return Run.with(
        agent.env(),
        "attestation",
        "handshake",
        "--manifest",
        manifestFile.toString(),
        "-o",
        out.toString());
  }

  static String ak(Run run) {
    Matcher m = AK.matcher(run.out());
    assertTrue(m.find(), run::toString);
    return m.group(1);
  }

  /** Refused: exit 1, the cause named, nothing sent (no call, state unchanged), no file. */
  String refused(Run run, Path out) {
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(
        run.err()
            .contains(
                "attested TLS refused: the agent at 127.0.0.1:"
                    + agent.port()
                    + " answered with evidence that does not hold together; nothing was sent to"
                    + " it and nothing was written:"),
        run::toString);
    assertEquals(0, agent.calls.get(), "a call reached the agent");
    assertEquals(State.ReceivingAlgorithm, agent.computation.state());
    assertFalse(Files.exists(out), "the evidence file was written");
    return run.err();
  }

  @Test
  void firstContactWritesTheEvidenceSendsNothingAndItsPolicyCarriesTheComputation()
      throws Exception {
    startVtpm(vtpmA, ManifestSignature.digest(manifest));
    Path evidence = work.resolve("evidence.json");
    Run first = handshake(evidence);
    assertEquals(0, first.exitCode(), first::toString);
    assertTrue(first.out().contains("(vtpm evidence, "), first::toString);
    assertTrue(first.out().contains("without sending any request"), first::toString);
    assertTrue(first.out().contains("nothing is trusted yet"), first::toString);
    assertTrue(first.out().contains("attestation policy create vtpm --from"), first::toString);
    assertFalse(first.err().contains("emulated"), first::toString);
    assertEquals(0, agent.calls.get(), "a call reached the agent");
    assertEquals(1, keys.certificatesMade());
    assertEquals(State.ReceivingAlgorithm, agent.computation.state());
    Evidence e = EvidenceFile.read(Files.readAllBytes(evidence));
    assertEquals("vtpm", e.platform());

    // The agent's TPM makes the same AK for every handshake: a pin holds for the VM's life.
    Run second = handshake(work.resolve("evidence-2.json"));
    assertEquals(0, second.exitCode(), second::toString);
    assertEquals(ak(first), ak(second));
    assertEquals(2, keys.certificatesMade());

    Path policy = work.resolve("policy.json");
    Run create =
        Run.of(
            "attestation",
            "policy",
            "create",
            "vtpm",
            "--from",
            evidence.toString(),
            "--manifest",
            manifestFile.toString(),
            "-o",
            policy.toString());
    assertEquals(0, create.exitCode(), create::toString);
    assertTrue(Files.readString(policy).contains(ak(first)), Files.readString(policy));

    Map<String, String> env = new HashMap<>(agent.env());
    env.put("COCOS_MANIFEST", manifestFile.toString());
    env.put("AGENT_GRPC_ATTESTATION_POLICY", policy.toString());
    Run algo = Run.with(env, "algo", algorithm.toString(), party.privateFile().toString(), "-q");
    assertEquals(0, algo.exitCode(), algo::toString);
    assertEquals(1, agent.calls.get());
    assertEquals(State.ReceivingData, agent.computation.state());
  }

  @Test
  void aPolicyFromAnotherVmsHandshakePinsAnotherAttestationKeyAndIsRefused() throws Exception {
    startVtpm(vtpmB, ManifestSignature.digest(manifest));
    Path evidenceB = work.resolve("evidence-b.json");
    Run b = handshake(evidenceB);
    assertEquals(0, b.exitCode(), b::toString);
    agent.close();
    agent = null;
    Path policyB = work.resolve("policy-b.json");
    Run create =
        Run.of(
            "attestation",
            "policy",
            "create",
            "vtpm",
            "--from",
            evidenceB.toString(),
            "--manifest",
            manifestFile.toString(),
            "-o",
            policyB.toString());
    assertEquals(0, create.exitCode(), create::toString);

    startVtpm(vtpmA, ManifestSignature.digest(manifest));
    Run a = handshake(work.resolve("evidence-a.json"));
    assertEquals(0, a.exitCode(), a::toString);
    assertFalse(ak(a).equals(ak(b)), "two TPMs made the same AK");
    Map<String, String> env = new HashMap<>(agent.env());
    env.put("COCOS_MANIFEST", manifestFile.toString());
    env.put("AGENT_GRPC_ATTESTATION_POLICY", policyB.toString());
    Run algo = Run.with(env, "algo", algorithm.toString(), party.privateFile().toString(), "-q");
    assertEquals(1, algo.exitCode(), algo::toString);
    assertTrue(algo.err().contains("nothing was sent to it"), algo::toString);
    assertTrue(algo.err().contains("  - vtpm.ak_keys: "), algo::toString);
    assertTrue(algo.err().contains(ak(a).substring(0, 8)), algo::toString);
    assertEquals(0, agent.calls.get());
    assertEquals(State.ReceivingAlgorithm, agent.computation.state());
  }

  @Test
  void evidenceForAnotherKeyIsRefused() throws Exception {
    KeyPair theirs = AtlsCertificates.newKeyPair();
    AtlsServerKeyManager genuine =
        new AtlsServerKeyManager(
            theirs, ManifestSignature.digest(manifest), vtpmA::gather, Clock.systemUTC());
    KeyPair mine = AtlsCertificates.newKeyPair();
    start(
        new AttestedTlsCommandsTest.Forger(mine.getPrivate()) {
          @Override
          X509Certificate certificate(byte[] nonce) throws Exception {
            AtlsClaims real = AtlsCertificates.claims(genuine.certificateFor(nonce)).orElseThrow();
            return AtlsCertificates.create(
                mine, real, AtlsBinding.serverName(nonce), Instant.now());
          }
        });
    Path out = work.resolve("evidence.json");
    String err = refused(handshake(out), out);
    assertTrue(err.contains("  - evidence is bound to another key"), err);
  }

  @Test
  void aCertificateAnsweringAnotherNonceIsRefused() throws Exception {
    KeyPair keyPair = AtlsCertificates.newKeyPair();
    X509Certificate recorded =
        new AtlsServerKeyManager(
                keyPair, ManifestSignature.digest(manifest), vtpmA::gather, Clock.systemUTC())
            .certificateFor(AtlsBinding.newNonce());
    start(
        new AttestedTlsCommandsTest.Forger(keyPair.getPrivate()) {
          @Override
          X509Certificate certificate(byte[] nonce) {
            return recorded;
          }
        });
    Path out = work.resolve("evidence.json");
    String err = refused(handshake(out), out);
    assertTrue(err.contains("evidence is bound to another nonce (replayed handshake)"), err);
  }

  @Test
  void anAgentHoldingAnotherManifestIsRefused() throws Exception {
    Sha3Hash held = ManifestSignature.digest(other);
    startVtpm(vtpmA, held);
    Path out = work.resolve("evidence.json");
    String err = refused(handshake(out), out);
    assertTrue(
        err.contains(
            "the agent holds manifest "
                + held.hex()
                + ", expected "
                + ManifestSignature.digest(manifest).hex()),
        err);
  }

  @Test
  void aCertificateWithoutEvidenceIsRefused() throws Exception {
    KeyPair ca = PemKeys.generate(KeyType.ECDSA);
    X509Certificate cert = Certificates.selfSignedCa("plain-agent", ca, Duration.ofDays(1));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("agent", ca.getPrivate(), new char[0], new X509Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    start((X509ExtendedKeyManager) kmf.getKeyManagers()[0]);
    Path out = work.resolve("evidence.json");
    String err = refused(handshake(out), out);
    assertTrue(err.contains("carries no attested-TLS evidence"), err);
  }

  @Test
  void emulatedEvidenceIsWrittenAndSaidToBeEmulated() throws Exception {
    EmulatedProvider emulated = new EmulatedProvider(EmulatedSettings.in(dir.resolve("emulated")));
    keys =
        new AtlsServerKeyManager(
            AtlsCertificates.newKeyPair(),
            ManifestSignature.digest(manifest),
            emulated::gather,
            Clock.systemUTC());
    start(keys);
    Path out = work.resolve("evidence.json");
    Run run = handshake(out);
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.err().contains("emulated, not a real TEE"), run::toString);
    assertTrue(run.out().contains("(emulated, emulated, not a real TEE evidence"), run::toString);
    assertEquals("emulated", EvidenceFile.read(Files.readAllBytes(out)).platform());
    assertEquals(0, agent.calls.get());
  }

  /** Below gRPC: the agent's TLS endpoint sees the handshake complete and not one byte after. */
  @Test
  void notOneByteOfApplicationDataReachesTheAgent() throws Exception {
    AtlsServerKeyManager km =
        new AtlsServerKeyManager(
            AtlsCertificates.newKeyPair(),
            ManifestSignature.digest(manifest),
            vtpmA::gather,
            Clock.systemUTC());
    SslContext tls =
        SslContextBuilder.forServer(km)
            .sslProvider(SslProvider.OPENSSL)
            .protocols("TLSv1.3")
            .build();
    AtomicInteger bytes = new AtomicInteger();
    AtomicReference<Boolean> handshook = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(tls.newHandler(ch.alloc()))
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                  bytes.addAndGet(((ByteBuf) msg).readableBytes());
                                  ((ByteBuf) msg).release();
                                }

                                @Override
                                public void userEventTriggered(
                                    ChannelHandlerContext ctx, Object evt) {
                                  if (evt instanceof SslHandshakeCompletionEvent e) {
                                    handshook.set(e.isSuccess());
                                  }
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                  closed.countDown();
                                }
                              });
                    }
                  })
              .bind(new InetSocketAddress("127.0.0.1", 0))
              .sync()
              .channel();
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      Path out = work.resolve("evidence.json");
      Run run =
          Run.with(
              Map.of("AGENT_GRPC_URL", "127.0.0.1:" + port),
              "attestation",
              "handshake",
              "--manifest",
              manifestFile.toString(),
              "-o",
              out.toString());
      assertEquals(0, run.exitCode(), run::toString);
      assertTrue(closed.await(10, TimeUnit.SECONDS), "the client did not close the connection");
      assertEquals(Boolean.TRUE, handshook.get(), "the handshake did not complete on the agent");
      assertEquals(0, bytes.get(), "application data reached the agent");
      assertEquals(1, km.certificatesMade());
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void withoutAnExpectedManifestItIsAUsageError() {
    Run run =
        Run.with(
            Map.of("AGENT_GRPC_URL", "127.0.0.1:1"),
            "attestation",
            "handshake",
            "-o",
            work.resolve("e.json").toString());
    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("give --manifest FILE"), run::toString);
  }

  @Test
  void nothingListeningIsNamed() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run run =
        Run.with(
            Map.of(
                "AGENT_GRPC_URL",
                "127.0.0.1:" + port,
                "AGENT_GRPC_ATTESTATION_MANIFEST",
                manifestFile.toString()),
            "attestation",
            "handshake",
            "-o",
            work.resolve("e.json").toString());
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("cannot reach the agent at 127.0.0.1:" + port), run::toString);
    assertTrue(run.err().contains("connection refused"), run::toString);
  }
}
