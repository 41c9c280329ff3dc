package ai.cocos.atls;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.Evidence;
import ai.cocos.atls.internal.Der;
import ai.cocos.attestation.EvidenceFile;
import java.math.BigInteger;
import java.util.Objects;

/**
 * What the agent's attested-TLS certificate says about itself, in its extension {@link
 * AtlsBinding#EXTENSION_OID}: the nonce it answers, the key it is for, the manifest the agent
 * holds, and the TEE evidence whose report data binds those three ({@link AtlsBinding}).
 *
 * <p>A verifier never trusts these values alone: it checks that the evidence's signed report data
 * equals the binding of these values, and that the values are this connection's nonce, this
 * certificate's key and the manifest it expects. Carrying them lets a refusal say which one
 * differs.
 *
 * <p>Encoding (DER):
 *
 * <pre>
 * CocosAtlsClaims ::= SEQUENCE {
 *   version       INTEGER (1),
 *   nonce         OCTET STRING (SIZE (32)),
 *   spkiSha256    OCTET STRING (SIZE (32)),
 *   manifestSha3  OCTET STRING (SIZE (32)),
 *   evidence      OCTET STRING    -- a cocos-evidence/1 file (EvidenceFile): platform, report,
 *                                 -- attachments (VCEK, chain, CRL, event log...)
 * }
 * </pre>
 *
 * @param nonce the client's nonce the certificate answers
 * @param spkiSha256 SHA-256 of the certificate key's SubjectPublicKeyInfo
 * @param manifest the digest of the manifest the agent holds
 * @param evidence the evidence, as a {@code cocos-evidence/1} file
 */
public record AtlsClaims(byte[] nonce, byte[] spkiSha256, Sha3Hash manifest, byte[] evidence) {
  /** The encoding's version. */
  public static final int VERSION = 1;

  /** The largest evidence accepted inside a certificate. */
  public static final int MAX_EVIDENCE_BYTES = 1024 * 1024;

  /** Validates and copies. */
  public AtlsClaims {
    if (nonce == null || nonce.length != AtlsBinding.NONCE_BYTES) {
      throw new IllegalArgumentException("nonce must be " + AtlsBinding.NONCE_BYTES + " bytes");
    }
    if (spkiSha256 == null || spkiSha256.length != 32) {
      throw new IllegalArgumentException("spkiSha256 must be 32 bytes");
    }
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(evidence, "evidence");
    if (evidence.length > MAX_EVIDENCE_BYTES) {
      throw new IllegalArgumentException(
          "evidence of " + evidence.length + " bytes exceeds " + MAX_EVIDENCE_BYTES);
    }
    nonce = nonce.clone();
    spkiSha256 = spkiSha256.clone();
    evidence = evidence.clone();
  }

  /**
   * Claims for evidence just gathered.
   *
   * @param nonce the client's nonce
   * @param spkiSha256 SHA-256 of the TLS key's SPKI
   * @param manifest the manifest's digest
   * @param evidence the evidence
   * @return the claims
   */
  public static AtlsClaims of(
      byte[] nonce, byte[] spkiSha256, Sha3Hash manifest, Evidence evidence) {
    return new AtlsClaims(nonce, spkiSha256, manifest, EvidenceFile.write(evidence));
  }

  /**
   * The nonce.
   *
   * @return a copy
   */
  @Override
  public byte[] nonce() {
    return nonce.clone();
  }

  /**
   * The key's digest.
   *
   * @return a copy
   */
  @Override
  public byte[] spkiSha256() {
    return spkiSha256.clone();
  }

  /**
   * The evidence file.
   *
   * @return a copy
   */
  @Override
  public byte[] evidence() {
    return evidence.clone();
  }

  /**
   * The report data the evidence must hold for these claims ({@link AtlsBinding#reportData}).
   *
   * @return 64 bytes
   */
  public byte[] reportData() {
    return AtlsBinding.reportData(nonce, spkiSha256, manifest);
  }

  /**
   * The TPM qualifying data the evidence must hold for these claims ({@link
   * AtlsBinding#vtpmNonce}).
   *
   * @return 32 bytes
   */
  public byte[] vtpmNonce() {
    return AtlsBinding.vtpmNonce(nonce, spkiSha256, manifest);
  }

  /**
   * The DER encoding (the extension's value, inside its OCTET STRING).
   *
   * @return the bytes
   */
  public byte[] encode() {
    return Der.sequence(
        Der.integer(BigInteger.valueOf(VERSION)),
        Der.octets(nonce),
        Der.octets(spkiSha256),
        Der.octets(manifest.bytes()),
        Der.octets(evidence));
  }

  /**
   * Decodes claims, strictly.
   *
   * @param der the DER encoding
   * @return the claims
   * @throws AtlsFormatException naming what is malformed
   */
  public static AtlsClaims decode(byte[] der) throws AtlsFormatException {
    try {
      Der.Reader top = new Der.Reader(der);
      Der.Reader seq = top.enter(Der.SEQUENCE, "claims");
      top.expectEnd("extension value");
      int version = seq.readSmallInt("claims.version");
      if (version != VERSION) {
        throw new AtlsFormatException(
            "claims version " + version + " is not supported (this client reads " + VERSION + ")");
      }
      byte[] nonce = fixed(seq.read(Der.OCTET_STRING, "claims.nonce"), 32, "claims.nonce");
      byte[] spki = fixed(seq.read(Der.OCTET_STRING, "claims.spkiSha256"), 32, "claims.spkiSha256");
      byte[] manifest =
          fixed(seq.read(Der.OCTET_STRING, "claims.manifestSha3"), 32, "claims.manifestSha3");
      byte[] evidence = seq.read(Der.OCTET_STRING, "claims.evidence");
      seq.expectEnd("claims");
      if (evidence.length > MAX_EVIDENCE_BYTES) {
        throw new AtlsFormatException(
            "claims.evidence: " + evidence.length + " bytes exceed " + MAX_EVIDENCE_BYTES);
      }
      return new AtlsClaims(nonce, spki, new Sha3Hash(manifest), evidence);
    } catch (Der.DerException e) {
      throw new AtlsFormatException(e.getMessage());
    }
  }

  private static byte[] fixed(byte[] v, int size, String what) throws AtlsFormatException {
    if (v.length != size) {
      throw new AtlsFormatException(what + ": " + v.length + " bytes, expected " + size);
    }
    return v;
  }

  /** Malformed claims; the message names the field. */
  public static final class AtlsFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is malformed
     */
    public AtlsFormatException(String message) {
      super(message);
    }
  }
}
