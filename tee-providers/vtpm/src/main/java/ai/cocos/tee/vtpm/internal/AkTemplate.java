package ai.cocos.tee.vtpm.internal;

import java.io.ByteArrayOutputStream;

/**
 * TPMT_PUBLIC templates for the attestation key created as a primary key (TPM 2.0 Library Part 2
 * Table 2:196), identical to go-tpm-tools' {@code AKTemplateRSA} and {@code AKTemplateECC}, so that
 * the same TPM yields the same AK as CocosAI's agent: a restricted signing key (fixedTPM,
 * fixedParent, sensitiveDataOrigin, userWithAuth, noDA, restricted, sign) with nameAlg SHA-256. A
 * primary key is derived from the hierarchy's seed, so its public key is stable across reboots and
 * can be pinned by fingerprint.
 */
enum AkTemplate {
  /** RSA 2048, RSASSA-PKCS1-v1_5 with SHA-256 (CocosAI's default AK). */
  RSA,
  /** ECC NIST P-256, ECDSA with SHA-256. */
  ECC;

  /** The template's TPMA_OBJECT (go-tpm-tools FlagSignerDefault | FlagNoDA). */
  static final long ATTRIBUTES =
      TpmtPublic.FIXED_TPM
          | TpmtPublic.FIXED_PARENT
          | TpmtPublic.SENSITIVE_DATA_ORIGIN
          | TpmtPublic.USER_WITH_AUTH
          | TpmtPublic.NO_DA
          | TpmtPublic.RESTRICTED
          | TpmtPublic.SIGN;

  /**
   * Marshals the template.
   *
   * @return a TPMT_PUBLIC with an empty unique field
   */
  byte[] marshal() {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    Marshal.u16(t, this == RSA ? TpmAlg.RSA : TpmAlg.ECC);
    Marshal.u16(t, TpmAlg.SHA256);
    Marshal.u32(t, ATTRIBUTES);
    Marshal.u16(t, 0); // authPolicy: empty
    Marshal.u16(t, TpmAlg.NULL); // symmetric
    if (this == RSA) {
      Marshal.u16(t, TpmAlg.RSASSA);
      Marshal.u16(t, TpmAlg.SHA256);
      Marshal.u16(t, 2048); // keyBits
      Marshal.u32(t, 0); // exponent: default 65537
      Marshal.u16(t, 0); // unique.rsa: empty
    } else {
      Marshal.u16(t, TpmAlg.ECDSA);
      Marshal.u16(t, TpmAlg.SHA256);
      Marshal.u16(t, TpmAlg.NIST_P256);
      Marshal.u16(t, TpmAlg.NULL); // kdf
      Marshal.u16(t, 0); // unique.ecc.x
      Marshal.u16(t, 0); // unique.ecc.y
    }
    return t.toByteArray();
  }
}
