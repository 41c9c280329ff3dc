package ai.cocos.tee.vtpm.internal;

import java.io.ByteArrayOutputStream;

/**
 * A TPMT_SIGNATURE (TPM 2.0 Library Part 2 rev 1.53 Table 2:185), for the schemes a quote can be
 * signed with: RSASSA and RSAPSS carry TPMS_SIGNATURE_RSA (Table 2:180: {@code TPMI_ALG_HASH hash,
 * TPM2B_PUBLIC_KEY_RSA sig}); ECDSA carries TPMS_SIGNATURE_ECC (Table 2:182: {@code TPMI_ALG_HASH
 * hash, TPM2B_ECC_PARAMETER signatureR, TPM2B_ECC_PARAMETER signatureS}).
 *
 * @param sigAlg the scheme: {@link TpmAlg#RSASSA}, {@link TpmAlg#RSAPSS} or {@link TpmAlg#ECDSA}
 * @param hash the hash the scheme signed with; also the hash of the quote's pcrDigest
 * @param rsa the RSA signature (empty for ECDSA)
 * @param r the ECDSA r (empty for RSA)
 * @param s the ECDSA s (empty for RSA)
 */
public record TpmtSignature(int sigAlg, int hash, byte[] rsa, byte[] r, byte[] s) {
  /** Largest RSA signature accepted: 4096-bit keys. */
  static final int MAX_RSA_BYTES = 512;

  /** Largest ECC parameter accepted: P-521. */
  static final int MAX_ECC_BYTES = 66;

  /** Copies. */
  public TpmtSignature {
    rsa = rsa.clone();
    r = r.clone();
    s = s.clone();
  }

  /**
   * Parses a TPMT_SIGNATURE.
   *
   * @param bytes the structure, exactly
   * @return the parsed signature
   * @throws MalformedException if the scheme is not RSASSA, RSAPSS or ECDSA, or the sizes do not
   *     fit
   */
  public static TpmtSignature parse(byte[] bytes) throws MalformedException {
    Cursor in = new Cursor(bytes, "TPMT_SIGNATURE");
    int alg = in.u16("sigAlg");
    int hash = in.u16("signature.hash");
    if (TpmAlg.jcaHash(hash) == null) {
      throw new MalformedException(
          "TPMT_SIGNATURE: hash " + TpmAlg.bankName(hash) + " is not a supported signing hash");
    }
    TpmtSignature sig;
    switch (alg) {
      case TpmAlg.RSASSA, TpmAlg.RSAPSS -> {
        byte[] s = in.tpm2b("signature.sig");
        if (s.length == 0 || s.length > MAX_RSA_BYTES) {
          throw new MalformedException("TPMT_SIGNATURE: RSA signature is " + s.length + " bytes");
        }
        sig = new TpmtSignature(alg, hash, s, new byte[0], new byte[0]);
      }
      case TpmAlg.ECDSA -> {
        byte[] r = in.tpm2b("signature.signatureR");
        byte[] s = in.tpm2b("signature.signatureS");
        if (r.length == 0
            || s.length == 0
            || r.length > MAX_ECC_BYTES
            || s.length > MAX_ECC_BYTES) {
          throw new MalformedException(
              "TPMT_SIGNATURE: ECDSA r/s are " + r.length + "/" + s.length + " bytes");
        }
        sig = new TpmtSignature(alg, hash, new byte[0], r, s);
      }
      default ->
          throw new MalformedException(
              String.format(
                  "TPMT_SIGNATURE: sigAlg 0x%04x is not RSASSA (0x0014), RSAPSS (0x0016) or ECDSA"
                      + " (0x0018)",
                  alg));
    }
    in.expectEnd();
    return sig;
  }

  /**
   * Wraps a bare RSASSA-PKCS1-v1_5 signature (as Azure's tooling ships it) into the record.
   *
   * @param hash the hash it was made with
   * @param signature the signature bytes
   * @return the record
   */
  public static TpmtSignature rsassa(int hash, byte[] signature) {
    return new TpmtSignature(TpmAlg.RSASSA, hash, signature, new byte[0], new byte[0]);
  }

  /**
   * Marshals the signature back into a TPMT_SIGNATURE.
   *
   * @return the bytes
   */
  public byte[] marshal() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Marshal.u16(out, sigAlg);
    Marshal.u16(out, hash);
    if (sigAlg == TpmAlg.ECDSA) {
      Marshal.tpm2b(out, r);
      Marshal.tpm2b(out, s);
    } else {
      Marshal.tpm2b(out, rsa);
    }
    return out.toByteArray();
  }

  /**
   * The scheme's name for people.
   *
   * @return e.g. {@code RSASSA-SHA256}
   */
  public String describe() {
    String scheme =
        switch (sigAlg) {
          case TpmAlg.RSASSA -> "RSASSA";
          case TpmAlg.RSAPSS -> "RSAPSS";
          default -> "ECDSA";
        };
    return scheme + "-" + TpmAlg.bankName(hash).toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public byte[] rsa() {
    return rsa.clone();
  }

  @Override
  public byte[] r() {
    return r.clone();
  }

  @Override
  public byte[] s() {
    return s.clone();
  }
}
