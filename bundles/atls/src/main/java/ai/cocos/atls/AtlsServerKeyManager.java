package ai.cocos.atls;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The agent's side of attested TLS: a key manager that answers each handshake with a certificate
 * made for it. It reads the client's nonce from the requested server name ({@link
 * AtlsBinding#serverName}), gathers evidence whose report data binds that nonce, the agent's key
 * and the manifest ({@link AtlsBinding#reportData}), and returns a self-signed certificate for the
 * agent's key carrying the evidence ({@link AtlsCertificates}).
 *
 * <p>The key pair is given by the caller, who generates it in memory ({@link
 * AtlsCertificates#newKeyPair()}) and never writes it anywhere. Only ECDSA P-256 keys are served; a
 * handshake without a nonce in its server name (a client not speaking attested TLS) gets no
 * certificate and fails, as does one whose evidence cannot be gathered (fail closed; the reason is
 * logged).
 *
 * <p>The JDK asks a key manager for the chain once per candidate signature scheme, so a certificate
 * is kept for its nonce for {@link #REUSE} to be answered again within the same handshake; nothing
 * else is cached. Thread-safe; evidence is gathered on the thread the TLS engine runs its delegated
 * tasks on (for gRPC servers, the server's executor, not the event loop).
 */
public final class AtlsServerKeyManager extends X509ExtendedKeyManager {
  /** How long a certificate made for a nonce answers that nonce again. */
  public static final Duration REUSE = Duration.ofSeconds(30);

  /** Certificates kept at most (beyond, the oldest go first). */
  static final int MAX_KEPT = 256;

  private static final String ALIAS_PREFIX = "cocos-atls:";
  private static final String KEY_TYPE = "EC";
  private static final System.Logger LOG = System.getLogger(AtlsServerKeyManager.class.getName());
  private static final HexFormat HEX = HexFormat.of();

  private final KeyPair keys;
  private final byte[] spkiSha256;
  private final Sha3Hash manifest;
  private final EvidenceSource source;
  private final Clock clock;
  private final Map<String, Made> made = new ConcurrentHashMap<>();
  private final AtomicLong certificates = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();

  private record Made(CompletableFuture<X509Certificate> certificate, long atNanos) {}

  /**
   * Creates the key manager.
   *
   * @param keys the agent's TLS key pair, ECDSA P-256, generated in this process
   * @param manifest the digest of the manifest the agent serves
   * @param source where evidence comes from
   * @param clock dates the certificates
   * @throws IllegalArgumentException if the key is not an EC key
   */
  public AtlsServerKeyManager(KeyPair keys, Sha3Hash manifest, EvidenceSource source, Clock clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    if (!(keys.getPublic() instanceof ECPublicKey)) {
      throw new IllegalArgumentException("attested TLS keys are ECDSA P-256");
    }
    this.spkiSha256 = AtlsBinding.spkiSha256(keys.getPublic());
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The manifest digest the certificates carry.
   *
   * @return the digest
   */
  public Sha3Hash manifest() {
    return manifest;
  }

  /**
   * How many certificates were made (one per handshake with a fresh nonce).
   *
   * @return the count
   */
  public long certificatesMade() {
    return certificates.get();
  }

  /**
   * How many handshakes got no certificate (no nonce, or no evidence).
   *
   * @return the count
   */
  public long refusals() {
    return refusals.get();
  }

  /**
   * Makes the certificate answering a nonce: gathers evidence for it, then signs. Handshakes call
   * this through {@link #getCertificateChain}.
   *
   * @param nonce the client's nonce
   * @return the certificate
   * @throws AttestationException if evidence cannot be gathered
   * @throws GeneralSecurityException if the certificate cannot be signed
   */
  public X509Certificate certificateFor(byte[] nonce)
      throws AttestationException, GeneralSecurityException {
    byte[] reportData = AtlsBinding.reportData(nonce, spkiSha256, manifest);
    byte[] vtpmNonce = AtlsBinding.vtpmNonce(nonce, spkiSha256, manifest);
    Evidence evidence = source.gather(new EvidenceRequest(reportData, vtpmNonce));
    AtlsClaims claims = AtlsClaims.of(nonce, spkiSha256, manifest, evidence);
    X509Certificate c =
        AtlsCertificates.create(keys, claims, AtlsBinding.serverName(nonce), clock.instant());
    certificates.incrementAndGet();
    return c;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType, engine == null ? null : engine.getHandshakeSession());
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType, socket instanceof SSLSocket s ? s.getHandshakeSession() : null);
  }

  private String alias(String keyType, SSLSession session) {
    if (!KEY_TYPE.equals(keyType)) {
      return null; // another signature scheme's key type: the JDK asks again with EC
    }
    Optional<byte[]> nonce = requestedNonce(session);
    if (nonce.isEmpty()) {
      refusals.incrementAndGet();
      LOG.log(
          Level.INFO,
          "attested TLS: refused a handshake whose server name carries no nonce (a client not"
              + " speaking attested TLS, or one that sent no SNI)");
      return null;
    }
    return ALIAS_PREFIX + HEX.formatHex(nonce.get());
  }

  /**
   * The nonce in a handshake's requested server name.
   *
   * @param session the handshake session
   * @return the nonce, or empty if there is none
   */
  static Optional<byte[]> requestedNonce(SSLSession session) {
    if (!(session instanceof ExtendedSSLSession extended)) {
      return Optional.empty();
    }
    for (SNIServerName name : extended.getRequestedServerNames()) {
      if (name.getType() == StandardConstants.SNI_HOST_NAME) {
        String host;
        try {
          host = new SNIHostName(name.getEncoded()).getAsciiName();
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
        return AtlsBinding.nonce(host);
      }
    }
    return Optional.empty();
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Optional<byte[]> nonce = nonceOf(alias);
    if (nonce.isEmpty()) {
      return null;
    }
    String key = alias.substring(ALIAS_PREFIX.length());
    long now = System.nanoTime();
    prune(now);
    Made entry = new Made(new CompletableFuture<>(), now);
    Made existing = made.putIfAbsent(key, entry);
    if (existing == null) {
      try {
        entry.certificate().complete(certificateFor(nonce.get()));
      } catch (AttestationException | GeneralSecurityException | RuntimeException e) {
        made.remove(key, entry);
        entry.certificate().completeExceptionally(e);
      }
    } else {
      entry = existing;
    }
    try {
      return new X509Certificate[] {entry.certificate().get()};
    } catch (ExecutionException e) {
      refusals.incrementAndGet();
      LOG.log(
          Level.WARNING,
          "attested TLS: no certificate for a handshake, the evidence could not be gathered: "
              + e.getCause().getMessage());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void prune(long now) {
    long reuse = REUSE.toNanos();
    if (made.size() < MAX_KEPT / 2) {
      for (Iterator<Made> it = made.values().iterator(); it.hasNext(); ) {
        if (now - it.next().atNanos() > reuse) {
          it.remove();
        }
      }
      return;
    }
    // Many handshakes at once: keep the newest half.
    made.entrySet().stream()
        .sorted((a, b) -> Long.compare(a.getValue().atNanos(), b.getValue().atNanos()))
        .limit(Math.max(0, made.size() - MAX_KEPT / 2))
        .forEach(e -> made.remove(e.getKey(), e.getValue()));
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return nonceOf(alias).isPresent() ? keys.getPrivate() : null;
  }

  private static Optional<byte[]> nonceOf(String alias) {
    if (alias == null || !alias.startsWith(ALIAS_PREFIX)) {
      return Optional.empty();
    }
    String hex = alias.substring(ALIAS_PREFIX.length());
    if (hex.length() != 2 * AtlsBinding.NONCE_BYTES) {
      return Optional.empty();
    }
    try {
      return Optional.of(HEX.parseHex(hex));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The agent is a server: it has no client aliases. */
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  /** The agent is a server: it has no client aliases. */
  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  /** The agent is a server: it has no client aliases. */
  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return null;
  }

  /** Aliases exist only per handshake: none to list. */
  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String toString() {
    return "attested TLS for manifest "
        + manifest.hex()
        + ", key "
        + AtlsBinding.shortHex(spkiSha256)
        + " ("
        + certificates.get()
        + " certificates made)";
  }
}
