package ai.cocos.atls;

import static ai.cocos.atls.AtlsTestSupport.EMULATED;
import static ai.cocos.atls.AtlsTestSupport.MANIFEST;
import static ai.cocos.atls.AtlsTestSupport.OTHER_MANIFEST;
import static ai.cocos.atls.AtlsTestSupport.channel;
import static ai.cocos.atls.AtlsTestSupport.emulatedPolicy;
import static ai.cocos.atls.AtlsTestSupport.health;
import static ai.cocos.atls.AtlsTestSupport.refusal;
import static ai.cocos.atls.AtlsTestSupport.serverKeyManager;
import static ai.cocos.atls.AtlsTestSupport.shutdown;
import static ai.cocos.atls.AtlsTestSupport.trust;
import static ai.cocos.atls.AtlsTestSupport.verifiers;
import static ai.cocos.atls.AtlsTestSupport.withSnp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Policy;
import ai.cocos.atls.AtlsTestSupport.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attested TLS end to end over loopback: a real gRPC server answering TLS 1.3 handshakes with the
 * agent's key manager and the emulated provider's real evidence, and gRPC clients verifying it with
 * the trust manager. Each refusal happens during the handshake: the server sees no call at all.
 */
class AtlsHandshakeTest {

  @ParameterizedTest
  @CsvSource({"JDK,JDK", "JDK,OPENSSL", "OPENSSL,JDK", "OPENSSL,OPENSSL"})
  void anAgentWithGenuineEvidenceIsVerifiedAndEveryConnectionSendsAFreshNonce(
      SslProvider p, SslProvider serverProvider) throws Exception {
    AtlsServerKeyManager km = serverKeyManager(MANIFEST);
    List<AtlsVerification> verified = new CopyOnWriteArrayList<>();
    AtlsTrustManager tm =
        new AtlsTrustManager(
            emulatedPolicy(), MANIFEST, verifiers(), Clock.systemUTC(), true, verified::add);
    try (TestServer server = new TestServer(km, null, serverProvider)) {
      for (int i = 0; i < 2; i++) {
        ManagedChannel ch = channel(server.port(), tm, p);
        try {
          assertEquals(ServingStatus.SERVING, health(ch));
        } finally {
          shutdown(ch);
        }
      }
      assertEquals(2, server.calls.get());
    }
    assertEquals(2, verified.size());
    assertEquals(2, km.certificatesMade());
    assertFalse(verified.get(0).serverName().equals(verified.get(1).serverName()));
    assertTrue(verified.get(0).emulated(), "emulated evidence is reported as such");
    assertEquals(MANIFEST, verified.get(0).claims().manifest());
  }

  @Test
  void evidenceForAnotherKeyIsRefusedBeforeAnyCall() throws Exception {
    AtlsServerKeyManager genuine = serverKeyManager(MANIFEST);
    KeyPair mine = AtlsCertificates.newKeyPair();
    // A man in the middle relays the client's nonce to a genuine agent and presents the evidence
    // it gets back in a certificate for its own key.
    X509ExtendedKeyManager forger =
        new FixedKeyManager(mine.getPrivate()) {
          @Override
          X509Certificate certificate(byte[] nonce) throws Exception {
            AtlsClaims real = AtlsCertificates.claims(genuine.certificateFor(nonce)).orElseThrow();
            return AtlsCertificates.create(
                mine, real, AtlsBinding.serverName(nonce), Instant.now());
          }
        };
    String reasons = refusedWith(forger, trust(emulatedPolicy(), MANIFEST, Clock.systemUTC()));
    assertTrue(reasons.contains("evidence is bound to another key"), reasons);
    assertFalse(reasons.contains("another nonce"), reasons);
  }

  @Test
  void aReplayedCertificateFromAnEarlierHandshakeIsRefused() throws Exception {
    KeyPair keys = AtlsCertificates.newKeyPair();
    AtlsServerKeyManager genuine =
        new AtlsServerKeyManager(keys, MANIFEST, EMULATED::gather, Clock.systemUTC());
    // Recorded from a genuine handshake: the agent's own key, evidence for an old nonce.
    X509Certificate recorded = genuine.certificateFor(AtlsBinding.newNonce());
    X509ExtendedKeyManager replayer =
        new FixedKeyManager(keys.getPrivate()) {
          @Override
          X509Certificate certificate(byte[] nonce) {
            return recorded;
          }
        };
    String reasons = refusedWith(replayer, trust(emulatedPolicy(), MANIFEST, Clock.systemUTC()));
    assertTrue(
        reasons.contains("evidence is bound to another nonce (replayed handshake)"), reasons);
    assertFalse(reasons.contains("another key"), reasons);
  }

  @Test
  void aPolicyPinningAnotherMeasurementRefuses() throws Exception {
    Policy other = withSnp(emulatedPolicy(), "measurements", List.of("ab".repeat(48)));
    String reasons =
        refusedWith(serverKeyManager(MANIFEST), trust(other, MANIFEST, Clock.systemUTC()));
    assertTrue(reasons.contains("measurement"), reasons);
    assertTrue(reasons.contains("ab".repeat(20)), reasons);
  }

  @Test
  void anAgentHoldingAnotherManifestIsRefused() throws Exception {
    String reasons =
        refusedWith(
            serverKeyManager(OTHER_MANIFEST), trust(emulatedPolicy(), MANIFEST, Clock.systemUTC()));
    assertTrue(
        reasons.contains(
            "the agent holds manifest " + OTHER_MANIFEST.hex() + ", expected " + MANIFEST.hex()),
        reasons);
  }

  @Test
  void emulatedEvidenceUnderAPolicyThatDoesNotAllowItIsRefused() throws Exception {
    Policy emulated = emulatedPolicy();
    // The same rules, written for real SEV-SNP: emulation is not allowed.
    Policy snp = new Policy("snp", emulated.rules());
    String reasons =
        refusedWith(serverKeyManager(MANIFEST), trust(snp, MANIFEST, Clock.systemUTC()));
    assertTrue(reasons.contains("emulated, not a real TEE"), reasons);
    assertTrue(reasons.contains("does not allow emulated evidence"), reasons);
  }

  @Test
  void expiredCollateralAtTheVerificationTimeIsRefused() throws Exception {
    // The emulated CRL is current for 7 days from gathering: verify as of 8 days later.
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
    String reasons =
        refusedWith(serverKeyManager(MANIFEST), trust(emulatedPolicy(), MANIFEST, later));
    assertTrue(reasons.contains("crl"), reasons);
    assertTrue(reasons.contains("next update"), reasons);
  }

  @Test
  void anAgentThatCannotGatherEvidenceFailsTheHandshake() throws Exception {
    AtlsServerKeyManager broken =
        new AtlsServerKeyManager(
            AtlsCertificates.newKeyPair(),
            MANIFEST,
            r -> {
              throw new AttestationException("no TEE device here");
            },
            Clock.systemUTC());
    AtlsTrustManager tm = trust(emulatedPolicy(), MANIFEST, Clock.systemUTC());
    try (TestServer server = new TestServer(broken)) {
      ManagedChannel ch = channel(server.port(), tm, SslProvider.JDK);
      try {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> health(ch));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      } finally {
        shutdown(ch);
      }
      assertEquals(0, server.calls.get());
    }
    assertEquals(0, broken.certificatesMade());
    assertTrue(broken.refusals() > 0);
  }

  @Test
  void aClientNotSpeakingAttestedTlsGetsNoCertificate() throws Exception {
    AtlsServerKeyManager km = serverKeyManager(MANIFEST);
    try (TestServer server = new TestServer(km)) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port())
              .sslContext(
                  GrpcSslContexts.forClient()
                      .trustManager(InsecureTrustManagerFactory.INSTANCE)
                      .build())
              .build();
      try {
        assertThrows(StatusRuntimeException.class, () -> health(ch));
      } finally {
        shutdown(ch);
      }
      assertEquals(0, server.calls.get());
    }
    assertEquals(0, km.certificatesMade());
  }

  @Test
  void aNonceIsGoodForOneHandshakeOnly() throws Exception {
    AtlsServerKeyManager km = serverKeyManager(MANIFEST);
    AtlsTrustManager tm = trust(emulatedPolicy(), MANIFEST, Clock.systemUTC());
    String name = tm.newServerName();
    byte[] nonce = AtlsBinding.nonce(name).orElseThrow();
    X509Certificate[] chain = {km.certificateFor(nonce)};
    assertEquals(MANIFEST, tm.verify(chain, name).claims().manifest());
    AtlsRefusedException again =
        assertThrows(AtlsRefusedException.class, () -> tm.verify(chain, name));
    assertTrue(again.getMessage().contains("reuses the nonce of an earlier handshake"));
    AtlsRefusedException foreign =
        assertThrows(
            AtlsRefusedException.class,
            () -> tm.verify(chain, AtlsBinding.serverName(AtlsBinding.newNonce())));
    assertTrue(foreign.getMessage().contains("not issued by this client"));
  }

  @Test
  void aPolicyPinningWhatAttestedTlsBindsIsRejectedUpFront() throws Exception {
    Policy p = emulatedPolicy();
    java.util.Map<String, Object> rules = new java.util.HashMap<>(p.rules());
    rules.put("report_data", "00");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> trust(new Policy(p.platform(), rules), MANIFEST, Clock.systemUTC()));
    assertTrue(e.getMessage().contains("remove report_data"), e.getMessage());
  }

  /**
   * Connects through the trust manager to a server using the key manager; the handshake must fail
   * with a refusal and no call may reach the server.
   *
   * @return the refusal's reasons, joined
   */
  static String refusedWith(X509ExtendedKeyManager km, AtlsTrustManager tm) throws Exception {
    try (TestServer server = new TestServer(km)) {
      ManagedChannel ch = channel(server.port(), tm, SslProvider.JDK);
      try {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> health(ch));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        AtlsRefusedException r =
            refusal(e).orElseThrow(() -> new AssertionError("no refusal in " + e, e));
        assertEquals(0, server.calls.get(), "a call reached the server");
        assertTrue(r.getMessage().startsWith(AtlsRefusedException.PREFIX));
        return String.join("\n", r.reasons());
      } finally {
        shutdown(ch);
      }
    }
  }

  /** A server key manager that answers every nonce with a certificate of its making. */
  abstract static class FixedKeyManager extends X509ExtendedKeyManager {
    private final PrivateKey key;
    private final AtomicReference<byte[]> nonce = new AtomicReference<>();

    FixedKeyManager(PrivateKey key) {
      this.key = key;
    }

    abstract X509Certificate certificate(byte[] nonce) throws Exception;

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      if (!"EC".equals(keyType)) {
        return null;
      }
      nonce.set(AtlsServerKeyManager.requestedNonce(engine.getHandshakeSession()).orElseThrow());
      return "fixed";
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
