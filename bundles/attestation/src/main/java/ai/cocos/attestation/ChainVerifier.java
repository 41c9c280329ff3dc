package ai.cocos.attestation;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies X.509 chains to pinned roots, at an injected time, and CRLs. Written for vendor
 * attestation PKIs (AMD ARK/ASK/VCEK with RSASSA-PSS, Intel SGX/TDX PCK with ECDSA P-256, TPM
 * endorsement CAs), where trust comes from pinning a root, not from the system trust store.
 *
 * <p>A chain passes only if: every certificate is inside its validity at the verification time;
 * each is signed by the next (issuer name equals the next subject, and the signature verifies with
 * an accepted algorithm: RSASSA-PSS, RSA PKCS#1 v1.5 or ECDSA, each with SHA-256/384/512); every
 * issuer is a CA (basic constraints, path length, key usage {@code keyCertSign} when present); no
 * certificate has a critical extension this class does not process; RSA keys have at least 2048
 * bits; and it ends at a certificate byte-identical to one of the given anchors, whose own
 * signature verifies. Anchors not in the given chain are looked up by issuer name.
 *
 * <p>Successful signature checks are cached, keyed by the SHA-256 of the signed object's DER and of
 * the issuer's public key, so that a warm verification re-checks only what changed; validity and
 * revocation are checked every time, because they depend on the time. Failures are never cached.
 * Thread-safe.
 */
public final class ChainVerifier {
  /** How many successful signature checks the shared instance remembers. */
  public static final int DEFAULT_CACHE_SIZE = 4096;

  /** The longest chain accepted (leaf to root). */
  public static final int MAX_DEPTH = 8;

  /** Signature algorithm OIDs accepted on certificates and CRLs. */
  public static final Set<String> SIGNATURE_ALGORITHMS =
      Set.of(
          "1.2.840.113549.1.1.10", // RSASSA-PSS (parameters carry the hash)
          "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
          "1.2.840.113549.1.1.12", // sha384WithRSAEncryption
          "1.2.840.113549.1.1.13", // sha512WithRSAEncryption
          "1.2.840.10045.4.3.2", // ecdsa-with-SHA256
          "1.2.840.10045.4.3.3", // ecdsa-with-SHA384
          "1.2.840.10045.4.3.4"); // ecdsa-with-SHA512

  /** Critical certificate extensions this class processes. */
  private static final Set<String> KNOWN_CRITICAL =
      Set.of(
          "2.5.29.15", // key usage
          "2.5.29.19", // basic constraints
          "2.5.29.37"); // extended key usage (purposes are the caller's concern)

  /** Critical CRL extensions accepted (the issuing distribution point only narrows scope). */
  private static final Set<String> KNOWN_CRITICAL_CRL = Set.of("2.5.29.28", "2.5.29.20");

  private static final int KEY_CERT_SIGN = 5;
  private static final int CRL_SIGN = 6;
  private static final ChainVerifier SHARED = new ChainVerifier(DEFAULT_CACHE_SIZE);

  private final Map<String, Boolean> verified;

  /**
   * A verifier with its own cache.
   *
   * @param cacheSize how many successful signature checks to remember (0 disables caching)
   */
  public ChainVerifier(int cacheSize) {
    this.verified =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              private static final long serialVersionUID = 1L;

              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
                return size() > cacheSize;
              }
            });
  }

  /**
   * The process-wide verifier (shared cache).
   *
   * @return the shared instance
   */
  public static ChainVerifier shared() {
    return SHARED;
  }

  /**
   * Verifies a chain to one of the anchors.
   *
   * @param chain the leaf first, then its issuers in order; the root may be left out if it is an
   *     anchor
   * @param anchors the trusted roots (pinned; matched by exact DER bytes)
   * @param at the verification time
   * @return the verified path, leaf first, ending with the anchor
   * @throws ChainException naming the certificate and what failed
   */
  public List<X509Certificate> verify(
      List<X509Certificate> chain, Collection<X509Certificate> anchors, Instant at)
      throws ChainException {
    if (chain.isEmpty()) {
      throw new ChainException("no certificate to verify");
    }
    if (anchors.isEmpty()) {
      throw new ChainException("no trusted root given: pin at least one root certificate");
    }
    List<X509Certificate> path = new ArrayList<>();
    X509Certificate cur = chain.get(0);
    int next = 1;
    while (true) {
      path.add(cur);
      checkCertificate(cur, at);
      X509Certificate anchor = matchAnchor(cur, anchors);
      if (anchor != null) {
        if (!cur.getSubjectX500Principal().equals(cur.getIssuerX500Principal())) {
          // A pinned intermediate still has to be trusted: pinning is by exact bytes.
          return List.copyOf(path);
        }
        verifySignedBy(cur, cur);
        return List.copyOf(path);
      }
      if (path.size() >= MAX_DEPTH) {
        throw new ChainException("chain longer than " + MAX_DEPTH + " certificates");
      }
      X509Certificate issuer;
      if (next < chain.size()) {
        issuer = chain.get(next++);
        if (!issuer.getSubjectX500Principal().equals(cur.getIssuerX500Principal())) {
          throw new ChainException(
              "certificate "
                  + name(cur)
                  + " is issued by "
                  + cur.getIssuerX500Principal().getName()
                  + ", but the next certificate in the chain is "
                  + name(issuer));
        }
      } else {
        issuer = findAnchor(cur, anchors);
        if (issuer == null) {
          boolean selfSigned = cur.getSubjectX500Principal().equals(cur.getIssuerX500Principal());
          throw new ChainException(
              selfSigned
                  ? "chain ends at "
                      + name(cur)
                      + " (SHA-256 "
                      + Certs.sha256(cur)
                      + "), which is not a trusted root"
                  : "no trusted root issued "
                      + name(cur)
                      + " (issuer "
                      + cur.getIssuerX500Principal().getName()
                      + ")");
        }
      }
      checkIssuer(issuer, path.size() - 1);
      verifySignedBy(cur, issuer);
      cur = issuer;
    }
  }

  /**
   * Checks that a certificate is signed by an issuer: names chain and the signature verifies
   * (cached). Does not check validity or CA constraints.
   *
   * @param cert the certificate
   * @param issuer its claimed issuer
   * @throws ChainException if the names differ or the signature does not verify
   */
  public void verifySignedBy(X509Certificate cert, X509Certificate issuer) throws ChainException {
    if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new ChainException(
          "certificate "
              + name(cert)
              + " is issued by "
              + cert.getIssuerX500Principal().getName()
              + ", not by "
              + name(issuer));
    }
    checkAlgorithm(cert.getSigAlgOID(), "certificate " + name(cert));
    checkKey(issuer.getPublicKey(), name(issuer));
    byte[] der = Certs.der(cert);
    String key = cacheKey(der, issuer.getPublicKey());
    if (verified.containsKey(key)) {
      return;
    }
    try {
      if (!signatureValid(
          cert.getSigAlgName(),
          cert.getSigAlgOID(),
          cert.getSigAlgParams(),
          issuer.getPublicKey(),
          cert.getTBSCertificate(),
          cert.getSignature())) {
        throw new java.security.SignatureException("signature does not verify");
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ChainException(
          "certificate "
              + name(cert)
              + " is not signed by "
              + name(issuer)
              + ": signature does not verify",
          e);
    }
    verified.put(key, Boolean.TRUE);
  }

  /**
   * Checks a certificate's validity period at a time.
   *
   * @param cert the certificate
   * @param at the verification time
   * @throws ChainException if not yet valid or expired
   */
  public static void checkValidity(X509Certificate cert, Instant at) throws ChainException {
    Date t = Date.from(at);
    if (t.before(cert.getNotBefore())) {
      throw new ChainException(
          "certificate "
              + name(cert)
              + " is not valid before "
              + cert.getNotBefore().toInstant()
              + " (verification time "
              + at
              + ")");
    }
    if (t.after(cert.getNotAfter())) {
      throw new ChainException(
          "certificate "
              + name(cert)
              + " expired at "
              + cert.getNotAfter().toInstant()
              + " (verification time "
              + at
              + ")");
    }
  }

  /**
   * Verifies a CRL: issued and signed by the issuer (which must be allowed to sign CRLs), current
   * at the time (this update not after it, next update present and not before it), and no
   * unprocessed critical extension.
   *
   * @param crl the CRL
   * @param issuer the certificate of the CA that issued it
   * @param at the verification time
   * @throws ChainException naming what failed
   */
  public void verifyCrl(X509CRL crl, X509Certificate issuer, Instant at) throws ChainException {
    String what = "CRL of " + crl.getIssuerX500Principal().getName();
    if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new ChainException(what + " is not issued by " + name(issuer));
    }
    boolean[] ku = issuer.getKeyUsage();
    if (ku != null && (ku.length <= CRL_SIGN || !ku[CRL_SIGN])) {
      throw new ChainException(name(issuer) + " may not sign CRLs (key usage lacks cRLSign)");
    }
    checkAlgorithm(crl.getSigAlgOID(), what);
    Set<String> critical = crl.getCriticalExtensionOIDs();
    if (critical != null) {
      for (String oid : critical) {
        if (!KNOWN_CRITICAL_CRL.contains(oid)) {
          throw new ChainException(what + " has an unsupported critical extension " + oid);
        }
      }
    }
    byte[] der;
    try {
      der = crl.getEncoded();
    } catch (CRLException e) {
      throw new ChainException(what + " cannot be encoded", e);
    }
    String key = cacheKey(der, issuer.getPublicKey());
    if (!verified.containsKey(key)) {
      try {
        if (!signatureValid(
            crl.getSigAlgName(),
            crl.getSigAlgOID(),
            crl.getSigAlgParams(),
            issuer.getPublicKey(),
            crl.getTBSCertList(),
            crl.getSignature())) {
          throw new java.security.SignatureException("signature does not verify");
        }
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new ChainException(what + " is not signed by " + name(issuer), e);
      }
      verified.put(key, Boolean.TRUE);
    }
    Date t = Date.from(at);
    if (t.before(crl.getThisUpdate())) {
      throw new ChainException(
          what
              + " is not valid before "
              + crl.getThisUpdate().toInstant()
              + " (verification time "
              + at
              + ")");
    }
    if (crl.getNextUpdate() == null) {
      throw new ChainException(what + " has no next-update time, so its freshness is unknown");
    }
    if (t.after(crl.getNextUpdate())) {
      throw new ChainException(
          what
              + " expired: its next update was due "
              + crl.getNextUpdate().toInstant()
              + " (verification time "
              + at
              + "); fetch a current one");
    }
  }

  /**
   * Checks a certificate against a (verified) CRL. A listed certificate is revoked whatever the
   * revocation date: evidence signed under a key revoked later is not trusted either.
   *
   * @param crl a CRL verified with {@link #verifyCrl}
   * @param cert a certificate issued by the CRL's issuer
   * @throws ChainException if the certificate is listed
   */
  public static void checkNotRevoked(X509CRL crl, X509Certificate cert) throws ChainException {
    if (!crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal())) {
      throw new ChainException(
          "the CRL of "
              + crl.getIssuerX500Principal().getName()
              + " does not cover "
              + name(cert)
              + " (issued by "
              + cert.getIssuerX500Principal().getName()
              + ")");
    }
    X509CRLEntry e = crl.getRevokedCertificate(cert.getSerialNumber());
    if (e != null) {
      throw new ChainException(
          "certificate "
              + name(cert)
              + " (serial "
              + cert.getSerialNumber().toString(16)
              + ") is revoked since "
              + e.getRevocationDate().toInstant()
              + (e.getRevocationReason() == null ? "" : " (" + e.getRevocationReason() + ")"));
    }
  }

  /**
   * Verifies a signature over bytes with a certificate's key, for signed collateral (JSON, CRLs
   * that are not X509CRL objects). Not cached.
   *
   * @param algorithm a JCA algorithm such as {@code SHA256withECDSA} or {@code
   *     SHA384withECDSAinP1363Format}
   * @param key the public key
   * @param data the signed bytes
   * @param signature the signature
   * @return {@code true} if it verifies
   */
  public static boolean verifySignature(
      String algorithm, PublicKey key, byte[] data, byte[] signature) {
    try {
      java.security.Signature s = java.security.Signature.getInstance(algorithm);
      s.initVerify(key);
      s.update(data);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Checks a certificate's or CRL's signature over its TBS bytes. Done here rather than with {@code
   * X509Certificate.verify}, whose result the JDK caches per certificate object (and its
   * certificate factory returns the same object for the same bytes), so that this class's own cache
   * is the only one and can be sized or turned off.
   */
  private static boolean signatureValid(
      String algName, String oid, byte[] params, PublicKey key, byte[] tbs, byte[] sig)
      throws GeneralSecurityException {
    if (key instanceof ECPublicKey) {
      return Ecdsa.supports(key) && ecdsaHashMatches(oid, key) && Ecdsa.verifyDer(key, tbs, sig);
    }
    java.security.Signature s = java.security.Signature.getInstance(algName);
    if (params != null && oid.equals("1.2.840.113549.1.1.10")) {
      java.security.AlgorithmParameters ap =
          java.security.AlgorithmParameters.getInstance("RSASSA-PSS");
      try {
        ap.init(params);
      } catch (java.io.IOException e) {
        throw new java.security.InvalidAlgorithmParameterException(
            "malformed RSASSA-PSS parameters", e);
      }
      s.setParameter(ap.getParameterSpec(java.security.spec.PSSParameterSpec.class));
    }
    s.initVerify(key);
    s.update(tbs);
    return s.verify(sig);
  }

  /** Ecdsa hashes with the curve's size (SHA-256 for P-256, SHA-384 for P-384). */
  private static boolean ecdsaHashMatches(String sigAlgOid, PublicKey key) {
    int bits = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
    return (bits == 256 && sigAlgOid.equals("1.2.840.10045.4.3.2"))
        || (bits == 384 && sigAlgOid.equals("1.2.840.10045.4.3.3"));
  }

  /**
   * A certificate's subject for messages.
   *
   * @param cert the certificate
   * @return the subject DN
   */
  public static String name(X509Certificate cert) {
    return cert.getSubjectX500Principal().getName();
  }

  private static X509Certificate matchAnchor(
      X509Certificate cert, Collection<X509Certificate> anchors) {
    byte[] der = Certs.der(cert);
    for (X509Certificate a : anchors) {
      if (MessageDigest.isEqual(Certs.der(a), der)) {
        return a;
      }
    }
    return null;
  }

  private X509Certificate findAnchor(X509Certificate cert, Collection<X509Certificate> anchors) {
    for (X509Certificate a : anchors) {
      if (a.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
        try {
          verifySignedBy(cert, a);
          return a;
        } catch (ChainException e) {
          // Another anchor with the same name may be the right one (re-keyed roots).
        }
      }
    }
    return null;
  }

  private static void checkCertificate(X509Certificate cert, Instant at) throws ChainException {
    checkValidity(cert, at);
    Set<String> critical = cert.getCriticalExtensionOIDs();
    if (critical != null) {
      for (String oid : critical) {
        if (!KNOWN_CRITICAL.contains(oid)) {
          throw new ChainException(
              "certificate " + name(cert) + " has an unsupported critical extension " + oid);
        }
      }
    }
  }

  private static void checkIssuer(X509Certificate issuer, int intermediatesBelow)
      throws ChainException {
    int pathLen = issuer.getBasicConstraints();
    if (pathLen < 0) {
      throw new ChainException(
          "certificate "
              + name(issuer)
              + " issues certificates but is not a CA (basic"
              + " constraints)");
    }
    if (intermediatesBelow > pathLen) {
      throw new ChainException(
          "certificate "
              + name(issuer)
              + " allows "
              + pathLen
              + " intermediate CAs below it, the chain has "
              + intermediatesBelow);
    }
    boolean[] ku = issuer.getKeyUsage();
    if (ku != null && (ku.length <= KEY_CERT_SIGN || !ku[KEY_CERT_SIGN])) {
      throw new ChainException(
          "certificate "
              + name(issuer)
              + " may not sign certificates (key usage lacks"
              + " keyCertSign)");
    }
  }

  private static void checkAlgorithm(String oid, String what) throws ChainException {
    if (!SIGNATURE_ALGORITHMS.contains(oid)) {
      throw new ChainException(
          what
              + " uses signature algorithm "
              + oid
              + ", which is not"
              + " accepted (RSASSA-PSS, RSA or ECDSA with SHA-256/384/512)");
    }
  }

  private static void checkKey(PublicKey key, String owner) throws ChainException {
    if (key instanceof RSAPublicKey r && r.getModulus().bitLength() < 2048) {
      throw new ChainException(
          owner
              + " has a "
              + r.getModulus().bitLength()
              + "-bit RSA key; at least 2048 bits are required");
    }
    if (!(key instanceof RSAPublicKey) && !(key instanceof ECPublicKey)) {
      throw new ChainException(
          owner + " has a " + key.getAlgorithm() + " key; only RSA and EC" + " keys are accepted");
    }
  }

  private static String cacheKey(byte[] signed, PublicKey issuerKey) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      String a = HexFormat.of().formatHex(md.digest(signed));
      String b = HexFormat.of().formatHex(md.digest(issuerKey.getEncoded()));
      return a + b;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 missing", e);
    }
  }
}
