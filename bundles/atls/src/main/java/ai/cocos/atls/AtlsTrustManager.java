package ai.cocos.atls;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.atls.AtlsClaims.AtlsFormatException;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.attestation.EvidenceFile.EvidenceFormatException;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client's side of attested TLS: a trust manager that accepts the agent's certificate only if
 * the TEE evidence it carries verifies, during the handshake, before the client sends any
 * application byte. A refusal aborts the handshake with an {@link AtlsRefusedException} listing
 * every failed rule.
 *
 * <p>For each connection it checks, all of them:
 *
 * <ol>
 *   <li>the connection's nonce ({@link #newServerName()}, sent as SNI) was issued here and is used
 *       once: a second handshake with the same nonce is refused;
 *   <li>the certificate carries {@link AtlsClaims} and they name this connection's nonce (else:
 *       "bound to another nonce (replayed handshake)"), this certificate's key (else: "bound to
 *       another key") and the expected manifest (else: "the agent holds manifest …, expected …");
 *   <li>the evidence verifies with its platform's TEE provider — the full verification: signatures,
 *       certificate chains to pinned roots, collateral and revocation at the verification time,
 *       TCB, every rule of the policy — under the policy with the binding of those claims added as
 *       its {@code report_data} (SEV-SNP, TDX, emulated) or {@code vtpm.nonce} (vTPM forms), so the
 *       TEE itself vouches for nonce, key and manifest.
 * </ol>
 *
 * <p>Emulated evidence passes only under a policy that allows it explicitly (the emulated
 * provider's rule); the {@code onVerified} callback sees {@link AtlsVerification#emulated()}.
 *
 * <p>The certificate's issuer, validity and names are not checked: the certificate is made for this
 * connection and proves nothing by itself. Host-name verification does not apply (the name is the
 * nonce). Thread-safe.
 */
public final class AtlsTrustManager extends X509ExtendedTrustManager {
  /** How many issued nonces wait for their handshake at most (the oldest are forgotten). */
  public static final int MAX_OUTSTANDING = 1024;

  /** How many used nonces are remembered to name a reuse as such. */
  static final int MAX_REMEMBERED = 4096;

  /** Policy platforms whose evidence binds the report data. */
  private static final Set<String> REPORT_DATA_PLATFORMS =
      Set.of(TeeProvider.SEV_SNP, TeeProvider.TDX, TeeProvider.EMULATED);

  /** Policy platforms whose evidence binds the TPM quote's qualifying data. */
  private static final Set<String> VTPM_PLATFORMS =
      Set.of(TeeProvider.VTPM, "azure-snp-vtpm", "azure-tdx-vtpm");

  private static final HexFormat HEX = HexFormat.of();
  private static final int SHOWN = 60;

  private final Policy policy;
  private final Sha3Hash manifest;
  private final Verifiers verifiers;
  private final Clock clock;
  private final boolean offline;
  private final Consumer<AtlsVerification> onVerified;

  private final Object lock = new Object();
  // guarded by lock
  private final LinkedHashMap<String, Boolean> issued = bounded(MAX_OUTSTANDING);
  // guarded by lock
  private final LinkedHashMap<String, Boolean> used = bounded(MAX_REMEMBERED);

  /**
   * Creates the trust manager.
   *
   * @param policy what evidence to accept; it must pin the platform's measurement (the policy
   *     parser enforces it) and must not pin {@code report_data} or {@code vtpm.nonce}, which
   *     attested TLS sets per connection
   * @param manifest the digest of the manifest the agent must hold
   * @param verifiers the TEE providers that verify evidence
   * @param clock the verification time (certificates and collateral must be valid then)
   * @param offline whether providers must not fetch collateral
   * @param onVerified told about each connection that verified (for example to warn that it is
   *     emulated); called on the handshake thread
   * @throws IllegalArgumentException if the policy pins what attested TLS binds, or its platform is
   *     unknown
   */
  public AtlsTrustManager(
      Policy policy,
      Sha3Hash manifest,
      Verifiers verifiers,
      Clock clock,
      boolean offline,
      Consumer<AtlsVerification> onVerified) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.verifiers = Objects.requireNonNull(verifiers, "verifiers");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.offline = offline;
    this.onVerified = Objects.requireNonNull(onVerified, "onVerified");
    String p = policy.platform();
    if (!REPORT_DATA_PLATFORMS.contains(p) && !VTPM_PLATFORMS.contains(p)) {
      throw new IllegalArgumentException(
          "the policy is for platform '" + p + "', which attested TLS does not know");
    }
    if (policy.rules().containsKey("report_data")) {
      throw new IllegalArgumentException(
          "the policy pins report_data, but attested TLS binds the report data to each"
              + " connection's nonce, key and manifest itself: remove report_data from the policy");
    }
    if (policy.rules().get("vtpm") instanceof Map<?, ?> v && v.containsKey("nonce")) {
      throw new IllegalArgumentException(
          "the policy pins vtpm.nonce, but attested TLS binds the quote to each connection's"
              + " nonce, key and manifest itself: remove vtpm.nonce from the policy");
    }
  }

  /**
   * The manifest digest the agent must hold.
   *
   * @return the digest
   */
  public Sha3Hash manifest() {
    return manifest;
  }

  /**
   * Issues a fresh nonce for one connection, as the server name to send (SNI).
   *
   * @return {@link AtlsBinding#serverName} of a new random nonce, valid for one handshake
   */
  public String newServerName() {
    String name = AtlsBinding.serverName(AtlsBinding.newNonce());
    synchronized (lock) {
      issued.put(name, Boolean.TRUE);
    }
    return name;
  }

  /**
   * Verifies the agent's certificate for a connection that sent this server name.
   *
   * @param chain the agent's certificate chain, leaf first
   * @param serverName the server name the connection sent
   * @return the verification
   * @throws AtlsRefusedException listing every failed rule
   */
  public AtlsVerification verify(X509Certificate[] chain, String serverName)
      throws AtlsRefusedException {
    if (chain == null || chain.length == 0) {
      throw new AtlsRefusedException(List.of("the agent sent no certificate"));
    }
    Optional<byte[]> sent = AtlsBinding.nonce(serverName);
    if (sent.isEmpty()) {
      throw new AtlsRefusedException(
          List.of(
              "this connection sent no attested-TLS nonce as its server name (it sent "
                  + (serverName == null ? "none" : "'" + serverName + "'")
                  + "): connect through the attested-TLS client context"));
    }
    byte[] nonce = sent.get();
    String name = AtlsBinding.serverName(nonce);
    synchronized (lock) {
      if (issued.remove(name) == null) {
        throw new AtlsRefusedException(
            List.of(
                used.containsKey(name)
                    ? "this connection reuses the nonce of an earlier handshake: a reconnect must"
                        + " send a fresh nonce"
                    : "this connection's nonce was not issued by this client (or was forgotten"
                        + " after "
                        + MAX_OUTSTANDING
                        + " newer ones)"));
      }
      used.put(name, Boolean.TRUE);
    }
    X509Certificate leaf = chain[0];
    AtlsClaims claims;
    try {
      Optional<AtlsClaims> c = AtlsCertificates.claims(leaf);
      if (c.isEmpty()) {
        throw new AtlsRefusedException(
            List.of(
                "the agent's certificate carries no attested-TLS evidence (extension "
                    + AtlsBinding.EXTENSION_OID
                    + "): is it an agent serving a manifest with attested_tls: true?"));
      }
      claims = c.get();
    } catch (AtlsFormatException e) {
      throw new AtlsRefusedException(
          List.of(
              "the attested-TLS evidence in the agent's certificate is malformed: "
                  + e.getMessage()));
    }

    List<String> reasons = new ArrayList<>();
    if (!MessageDigest.isEqual(claims.nonce(), nonce)) {
      reasons.add(
          "evidence is bound to another nonce (replayed handshake): it answers nonce "
              + AtlsBinding.shortHex(claims.nonce())
              + ", this connection sent "
              + AtlsBinding.shortHex(nonce));
    }
    byte[] spki = AtlsBinding.spkiSha256(leaf.getPublicKey());
    if (!MessageDigest.isEqual(claims.spkiSha256(), spki)) {
      reasons.add(
          "evidence is bound to another key: it names the key with SPKI SHA-256 "
              + AtlsBinding.shortHex(claims.spkiSha256())
              + ", the certificate's key is "
              + AtlsBinding.shortHex(spki));
    }
    if (!claims.manifest().equals(manifest)) {
      reasons.add(
          "the agent holds manifest "
              + claims.manifest().hex()
              + ", expected "
              + manifest.hex()
              + " (a different computation, or a changed manifest)");
    }
    Evidence evidence;
    try {
      evidence = EvidenceFile.read(claims.evidence());
    } catch (EvidenceFormatException e) {
      reasons.add("the agent's evidence is malformed: " + e.getMessage());
      throw new AtlsRefusedException(reasons);
    }
    Optional<TeeProvider> verifier;
    try {
      verifier = verifiers.verifier(evidence.platform());
    } catch (RuntimeException e) {
      verifier = Optional.empty();
    }
    Verdict verdict = null;
    if (verifier.isEmpty()) {
      reasons.add(
          "the agent sent "
              + evidence.platform()
              + " evidence and this client has no verifier for that platform");
    } else {
      verdict =
          verifier
              .get()
              .verify(new VerificationRequest(evidence, bound(claims), clock.instant(), offline));
      for (Verdict.Finding f : verdict.failures()) {
        reasons.add(describe(f));
      }
      if (!verdict.passed() && verdict.failures().isEmpty()) {
        reasons.add(evidence.platform() + " verification proved nothing (no finding)");
      }
    }
    if (!reasons.isEmpty()) {
      throw new AtlsRefusedException(reasons);
    }
    AtlsVerification v = new AtlsVerification(name, claims, verdict);
    onVerified.accept(v);
    return v;
  }

  /** The policy with the claims' binding added where the platform's evidence carries it. */
  private Policy bound(AtlsClaims claims) {
    Map<String, Object> rules = new HashMap<>(policy.rules());
    if (VTPM_PLATFORMS.contains(policy.platform())) {
      Map<String, Object> vtpm = new HashMap<>();
      if (rules.get("vtpm") instanceof Map<?, ?> m) {
        m.forEach((k, v) -> vtpm.put((String) k, v));
      }
      vtpm.put("nonce", HEX.formatHex(claims.vtpmNonce()));
      rules.put("vtpm", vtpm);
    } else {
      rules.put("report_data", HEX.formatHex(claims.reportData()));
    }
    return new Policy(policy.platform(), rules);
  }

  private static String describe(Verdict.Finding f) {
    StringBuilder b = new StringBuilder(f.rule()).append(": ").append(f.message());
    if (!f.message().contains(f.expected()) || !f.message().contains(f.found())) {
      b.append(" (expected ")
          .append(shorten(f.expected()))
          .append(", found ")
          .append(shorten(f.found()))
          .append(')');
    }
    return b.toString();
  }

  private static String shorten(String s) {
    return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "…";
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, serverName(engine == null ? null : engine.getSSLParameters(), peer(engine)));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    SSLSocket s = socket instanceof SSLSocket ssl ? ssl : null;
    SSLSession h = s == null ? null : s.getHandshakeSession();
    verify(
        chain,
        serverName(s == null ? null : s.getSSLParameters(), h == null ? null : h.getPeerHost()));
  }

  /**
   * Refused: without the connection there is no nonce to check against.
   *
   * @throws CertificateException always
   */
  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new AtlsRefusedException(
        List.of("attested TLS needs the connection (SSLEngine or SSLSocket) to read its nonce"));
  }

  /**
   * Refused: this trust manager verifies agents, not clients.
   *
   * @throws CertificateException always
   */
  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  /**
   * Refused: this trust manager verifies agents, not clients.
   *
   * @throws CertificateException always
   */
  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  /**
   * Refused: this trust manager verifies agents, not clients.
   *
   * @throws CertificateException always
   */
  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("an attested-TLS trust manager verifies agents, not clients");
  }

  /** No issuer is trusted as such: trust comes from the evidence. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }

  private static String peer(SSLEngine engine) {
    return engine == null ? null : engine.getPeerHost();
  }

  /** The host name the connection sent as SNI, else the peer host it was made for. */
  private static String serverName(SSLParameters parameters, String peerHost) {
    if (parameters != null && parameters.getServerNames() != null) {
      for (SNIServerName n : parameters.getServerNames()) {
        if (n.getType() == StandardConstants.SNI_HOST_NAME) {
          return n instanceof SNIHostName h
              ? h.getAsciiName()
              : new SNIHostName(n.getEncoded()).getAsciiName();
        }
      }
    }
    return peerHost;
  }

  private static LinkedHashMap<String, Boolean> bounded(int max) {
    return new LinkedHashMap<>() {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > max;
      }
    };
  }
}
