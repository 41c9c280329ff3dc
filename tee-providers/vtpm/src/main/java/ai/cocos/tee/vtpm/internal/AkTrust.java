package ai.cocos.tee.vtpm.internal;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether the attestation key is one the relying party trusts: its SubjectPublicKeyInfo
 * fingerprint is pinned ({@code vtpm.ak_keys}), or its certificate chains, at the verification
 * time, to a root whose SHA-256 is pinned ({@code vtpm.ak_roots}). Chains are completed from the
 * evidence's certificates and Google's public vTPM CA certificates shipped in this bundle; shipped
 * certificates are candidates only, never trusted by themselves.
 */
final class AkTrust {
  /** Rule name of the AK-certificate chain finding. */
  static final String ROOTS_RULE = "vtpm.ak_roots";

  /** Rule name of the AK-fingerprint finding. */
  static final String KEYS_RULE = "vtpm.ak_keys";

  /** Critical extensions an AK certificate may carry (TCG EK/AK profiles mark SAN critical). */
  static final Set<String> LEAF_CRITICAL =
      Set.of(
          "2.5.29.15", // key usage
          "2.5.29.19", // basic constraints
          "2.5.29.37", // extended key usage
          "2.5.29.17", // subject alternative name (TPM manufacturer/model/version), empty subject
          "2.5.29.9"); // subject directory attributes (TPM specification)

  static final String[] SHIPPED = {
    "google/gce_tpm_ek_root_1.der",
    "google/gce_tpm_ek_intermediate_2.der",
    "google/gce_tpm_ek_intermediate_3.der",
  };

  private AkTrust() {}

  /** Shipped CA certificates, loaded on first use (class loading stays light for the CLI). */
  private static final class Shipped {
    static final List<X509Certificate> CERTS = load();

    private static List<X509Certificate> load() {
      List<X509Certificate> out = new ArrayList<>();
      for (String name : SHIPPED) {
        try (InputStream in = AkTrust.class.getResourceAsStream(name)) {
          if (in == null) {
            throw new IllegalStateException("resource " + name + " missing from the bundle");
          }
          out.add(Certs.parse(in.readAllBytes()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (ChainException e) {
          throw new IllegalStateException("shipped certificate " + name + " is malformed", e);
        }
      }
      return List.copyOf(out);
    }
  }

  /**
   * The shipped CA certificates.
   *
   * @return Google's vTPM EK/AK root and intermediates
   */
  static List<X509Certificate> shipped() {
    return Shipped.CERTS;
  }

  /**
   * Evaluates the AK rules.
   *
   * @param ev where findings go
   * @param vtpm the policy's vtpm section
   * @param ak the attestation key
   * @param akCert its certificate, if the evidence carries one
   * @param chain further certificates from the evidence
   * @param at the verification time
   * @param boundByHardware whether a hardware report already vouches for the key (Azure forms)
   */
  static void evaluate(
      Evaluation ev,
      PolicyRules vtpm,
      PublicKey ak,
      Optional<X509Certificate> akCert,
      List<X509Certificate> chain,
      Instant at,
      boolean boundByHardware) {
    String fingerprint = fingerprint(ak);
    Optional<List<String>> keys = vtpm.hexList("ak_keys");
    Optional<List<String>> roots = vtpm.hexList("ak_roots");
    if (keys.isPresent()) {
      ev.allowList(
          KEYS_RULE,
          keys,
          java.util.HexFormat.of().parseHex(fingerprint),
          "attestation key (SHA-256 of its SubjectPublicKeyInfo)");
    }
    if (roots.isPresent()) {
      chain(ev, roots.get(), ak, akCert, chain, at);
    }
    if (keys.isEmpty() && roots.isEmpty() && !boundByHardware) {
      ev.fail(
          ROOTS_RULE,
          "vtpm.ak_roots or vtpm.ak_keys",
          "attestation key " + fingerprint + " not pinned",
          "the policy pins no attestation key: a quote under an unknown key proves nothing; pin"
              + " the AK certificate's root in vtpm.ak_roots or the key's fingerprint in"
              + " vtpm.ak_keys");
    }
  }

  /** Rule name of the EK-certificate chain finding. */
  static final String EK_ROOTS_RULE = "vtpm.ek_roots";

  /**
   * Evaluates {@code vtpm.ek_roots}: the evidence's EK certificate must chain, at the verification
   * time, to a pinned root (e.g. the swtpm-localca root of the host that manufactured the vTPM).
   * This names the TPM's certifying CA. It does not anchor the AK: a quote carries nothing that
   * binds its AK to the EK (that takes TPM2_ActivateCredential, a challenge round trip), so the AK
   * must still be pinned by {@code ak_keys} or {@code ak_roots}, and the finding says so.
   *
   * @param ev where findings go
   * @param vtpm the policy's vtpm section
   * @param attachments the evidence's attachments ({@code ek_cert}, {@code ek_chain})
   * @param at the verification time
   */
  static void endorsement(
      Evaluation ev, PolicyRules vtpm, java.util.Map<String, byte[]> attachments, Instant at) {
    Optional<List<String>> roots = vtpm.hexList("ek_roots");
    if (roots.isEmpty()) {
      return;
    }
    String expected = "an EK certificate chaining to " + Evaluation.listed(roots.get());
    byte[] leafBytes = attachments.get(ai.cocos.tee.vtpm.VtpmAttachments.EK_CERT);
    if (leafBytes == null) {
      ev.fail(
          EK_ROOTS_RULE,
          expected,
          "no EK certificate",
          "the policy pins EK certificate roots but the evidence has no EK certificate (ek_cert):"
              + " the TPM has none in its TCG NV indexes, or it was not attached");
      return;
    }
    X509Certificate leaf;
    List<X509Certificate> chain = new ArrayList<>();
    try {
      leaf = Certs.readOne(leafBytes);
      byte[] more = attachments.get(ai.cocos.tee.vtpm.VtpmAttachments.EK_CHAIN);
      if (more != null) {
        chain.addAll(Certs.read(more));
      }
    } catch (ChainException e) {
      ev.fail(EK_ROOTS_RULE, expected, "malformed", "the EK certificate: " + e.getMessage());
      return;
    }
    try {
      Verified ok = verified(leaf, chain, roots.get(), at);
      ev.pass(
          EK_ROOTS_RULE,
          expected,
          ok.rootSha256(),
          "the EK certificate chains to the pinned root "
              + ok.rootName()
              + " (it names the TPM's CA; the AK is trusted through vtpm.ak_keys or ak_roots, not"
              + " through the EK)");
      ev.claim("vtpm.ek.root.sha256", ok.rootSha256());
      ev.claim("vtpm.ek.certificate.issuer", NAMES.issuer(leaf));
    } catch (ChainException e) {
      ev.fail(
          EK_ROOTS_RULE, expected, "chain not verified", "the EK certificate: " + e.getMessage());
    }
  }

  /** SHA-256 of SubjectPublicKeyInfo, by key encoding. */
  private static final ContentCache<String> FINGERPRINTS = new ContentCache<>(256);

  /**
   * The SHA-256 of a key's SubjectPublicKeyInfo: what {@code vtpm.ak_keys} pins.
   *
   * @param key the key
   * @return 64 hex digits
   */
  static String fingerprint(PublicKey key) {
    try {
      return FINGERPRINTS.get(key.getEncoded(), Certs::sha256);
    } catch (MalformedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void chain(
      Evaluation ev,
      List<String> roots,
      PublicKey ak,
      Optional<X509Certificate> akCert,
      List<X509Certificate> supplied,
      Instant at) {
    String expected = "an AK certificate chaining to " + Evaluation.listed(roots);
    if (akCert.isEmpty()) {
      ev.fail(
          ROOTS_RULE,
          expected,
          "no AK certificate",
          "the policy pins AK certificate roots but the evidence has no AK certificate");
      return;
    }
    X509Certificate leaf = akCert.get();
    boolean sameKey = MessageDigest.isEqual(leaf.getPublicKey().getEncoded(), ak.getEncoded());
    ev.check(
        "ak.certificate.key",
        sameKey,
        "the attestation key",
        sameKey ? "the attestation key" : "key " + fingerprint(leaf.getPublicKey()),
        sameKey
            ? "the AK certificate certifies the key that signed the quote"
            : "the AK certificate certifies another key than the one that signed the quote");
    try {
      Verified ok = verified(leaf, supplied, roots, at);
      ev.pass(
          ROOTS_RULE,
          expected,
          ok.rootSha256(),
          "the AK certificate chains to the pinned root " + ok.rootName());
      ev.claim("vtpm.ak.root.sha256", ok.rootSha256());
    } catch (ChainException e) {
      ev.fail(ROOTS_RULE, expected, "chain not verified", e.getMessage());
    }
    ev.claim("vtpm.ak.certificate.issuer", NAMES.issuer(leaf));
    ev.claim("vtpm.ak.certificate.subject", NAMES.subject(leaf));
  }

  /**
   * A verified chain: its root, and the time window in which every certificate of the path is valid
   * (the only part of the result that depends on the verification time).
   */
  record Verified(String rootSha256, String rootName, Instant notBefore, Instant notAfter) {}

  /** Certificate names for claims (formatting a distinguished name is not cheap). */
  private static final class Names {
    private final java.util.Map<X509Certificate, String[]> names =
        java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private String[] of(X509Certificate c) {
      return names.computeIfAbsent(
          c,
          k ->
              new String[] {
                k.getIssuerX500Principal().getName(), k.getSubjectX500Principal().getName()
              });
    }

    String issuer(X509Certificate c) {
      return of(c)[0];
    }

    String subject(X509Certificate c) {
      return of(c)[1];
    }
  }

  private static final Names NAMES = new Names();

  /** Verified chains by their exact inputs (leaf, supplied certificates, pinned roots). */
  private static final ContentCache<Verified> CHAINS = new ContentCache<>(256);

  /**
   * Verifies the chain, or reuses the verification of exactly the same certificates and pins when
   * the time is inside the window where every certificate of that path is valid. Signatures, names
   * and constraints do not depend on the time; validity is re-checked against the window.
   */
  static Verified verified(
      X509Certificate leaf, List<X509Certificate> supplied, List<String> roots, Instant at)
      throws ChainException {
    java.io.ByteArrayOutputStream key = new java.io.ByteArrayOutputStream();
    key.writeBytes(Certs.der(leaf));
    for (X509Certificate c : supplied) {
      key.writeBytes(Certs.der(c));
    }
    key.writeBytes(String.join(",", roots).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    byte[] k = key.toByteArray();
    Verified hit = CHAINS.peek(k);
    if (hit != null && !at.isBefore(hit.notBefore()) && !at.isAfter(hit.notAfter())) {
      return hit;
    }
    List<X509Certificate> pool = new ArrayList<>(supplied);
    pool.addAll(shipped());
    List<X509Certificate> anchors = new ArrayList<>();
    for (X509Certificate c : pool) {
      if (roots.contains(Certs.sha256(c))) {
        anchors.add(c);
      }
    }
    List<X509Certificate> path = verify(leaf, pool, anchors, at);
    Instant from = Instant.MIN;
    Instant to = Instant.MAX;
    for (X509Certificate c : path) {
      Instant nb = c.getNotBefore().toInstant();
      Instant na = c.getNotAfter().toInstant();
      from = nb.isAfter(from) ? nb : from;
      to = na.isBefore(to) ? na : to;
    }
    X509Certificate root = path.get(path.size() - 1);
    Verified v = new Verified(Certs.sha256(root), ChainVerifier.name(root), from, to);
    CHAINS.put(k, v);
    return v;
  }

  /**
   * Verifies an AK or EK certificate's chain: the leaf's validity and critical extensions here (TCG
   * certificates carry a critical SAN that general X.509 code does not process), then each issuer
   * candidate by name and signature, then the rest with {@link ChainVerifier}.
   *
   * @return the verified path, leaf first, ending at a pinned anchor
   */
  static List<X509Certificate> verify(
      X509Certificate leaf, List<X509Certificate> pool, List<X509Certificate> anchors, Instant at)
      throws ChainException {
    if (anchors.isEmpty()) {
      throw new ChainException(
          "none of the pinned roots is among the certificates available (the evidence's"
              + " ak_chain or ek_chain and the shipped Google vTPM CAs): attach the root"
              + " certificate");
    }
    ChainVerifier.checkValidity(leaf, at);
    Set<String> critical = leaf.getCriticalExtensionOIDs();
    if (critical != null) {
      for (String oid : critical) {
        if (!LEAF_CRITICAL.contains(oid)) {
          throw new ChainException("the certificate has an unsupported critical extension " + oid);
        }
      }
    }
    ChainException last = null;
    Set<X509Certificate> tried = new LinkedHashSet<>();
    for (X509Certificate issuer : pool) {
      if (!issuer.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())
          || !tried.add(issuer)) {
        continue;
      }
      try {
        ChainVerifier.shared().verifySignedBy(leaf, issuer);
        if (issuer.getBasicConstraints() < 0) {
          throw new ChainException(
              "certificate "
                  + ChainVerifier.name(issuer)
                  + " issued the certificate but is"
                  + " not a CA");
        }
        List<X509Certificate> up = new ArrayList<>();
        up.add(issuer);
        extend(up, pool, anchors);
        List<X509Certificate> rest = ChainVerifier.shared().verify(up, anchors, at);
        List<X509Certificate> path = new ArrayList<>();
        path.add(leaf);
        path.addAll(rest);
        return path;
      } catch (ChainException e) {
        last = e; // another certificate with the same name may be the issuer
      }
    }
    if (last != null) {
      throw last;
    }
    throw new ChainException(
        "no certificate available issued the certificate (issuer "
            + leaf.getIssuerX500Principal().getName()
            + "): attach its chain");
  }

  /** Adds issuers from the pool by name until an anchor or a self-signed certificate. */
  private static void extend(
      List<X509Certificate> up, List<X509Certificate> pool, List<X509Certificate> anchors) {
    while (up.size() < ChainVerifier.MAX_DEPTH) {
      X509Certificate top = up.get(up.size() - 1);
      if (anchors.contains(top)
          || top.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
        return;
      }
      X509Certificate next = null;
      for (X509Certificate c : pool) {
        if (c.getSubjectX500Principal().equals(top.getIssuerX500Principal())
            && !up.contains(c)
            && !anchors.contains(c)) {
          next = c;
          break;
        }
      }
      if (next == null) {
        return; // ChainVerifier looks the issuer up among the anchors
      }
      up.add(next);
    }
  }
}
