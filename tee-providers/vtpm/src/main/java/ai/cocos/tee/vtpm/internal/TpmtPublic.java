package ai.cocos.tee.vtpm.internal;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;

/**
 * The public area of a TPM key, TPMT_PUBLIC (TPM 2.0 Library Part 2 rev 1.53 Table 2:196), for the
 * signing keys a quote can come from: RSA (TPMS_RSA_PARMS, Table 2:192) and ECC (TPMS_ECC_PARMS,
 * Table 2:193).
 *
 * <pre>
 * TPMI_ALG_PUBLIC type             TPM_ALG_RSA 0x0001 | TPM_ALG_ECC 0x0023
 * TPMI_ALG_HASH nameAlg
 * TPMA_OBJECT objectAttributes     UINT32 bit field ("Definition of TPMA_OBJECT Bits")
 * TPM2B_DIGEST authPolicy
 * RSA: TPMT_SYM_DEF_OBJECT symmetric, TPMT_RSA_SCHEME scheme, UINT16 keyBits, UINT32 exponent
 * ECC: TPMT_SYM_DEF_OBJECT symmetric, TPMT_ECC_SCHEME scheme, UINT16 curveID, TPMT_KDF_SCHEME kdf
 * unique: RSA TPM2B_PUBLIC_KEY_RSA; ECC TPMS_ECC_POINT (TPM2B x, TPM2B y)
 * </pre>
 *
 * @param type {@link TpmAlg#RSA} or {@link TpmAlg#ECC}
 * @param nameAlg the hash of the key's name
 * @param attributes TPMA_OBJECT
 * @param scheme the signing scheme the key is bound to ({@link TpmAlg#NULL} if any)
 * @param schemeHash the scheme's hash ({@link TpmAlg#NULL} if the scheme is NULL)
 * @param key the public key for the JDK's {@code Signature}
 * @param encoded the structure as parsed (its hash is the key's name)
 */
public record TpmtPublic(
    int type,
    int nameAlg,
    long attributes,
    int scheme,
    int schemeHash,
    PublicKey key,
    byte[] encoded) {

  /** TPMA_OBJECT fixedTPM: the key cannot leave this TPM. */
  public static final long FIXED_TPM = 1L << 1;

  /** TPMA_OBJECT fixedParent. */
  public static final long FIXED_PARENT = 1L << 4;

  /** TPMA_OBJECT sensitiveDataOrigin: the TPM generated the private part. */
  public static final long SENSITIVE_DATA_ORIGIN = 1L << 5;

  /** TPMA_OBJECT userWithAuth. */
  public static final long USER_WITH_AUTH = 1L << 6;

  /** TPMA_OBJECT noDA. */
  public static final long NO_DA = 1L << 10;

  /**
   * TPMA_OBJECT restricted: the key signs only digests the TPM computed itself, and refuses outside
   * data that starts with TPM_GENERATED_VALUE, so a signed TPMS_ATTEST cannot be forged.
   */
  public static final long RESTRICTED = 1L << 16;

  /** TPMA_OBJECT decrypt. */
  public static final long DECRYPT = 1L << 17;

  /** TPMA_OBJECT sign. */
  public static final long SIGN = 1L << 18;

  /** What an attestation key must have: TPM-resident, TPM-generated, restricted signing. */
  public static final long AK_REQUIRED = FIXED_TPM | SENSITIVE_DATA_ORIGIN | RESTRICTED | SIGN;

  /** Largest RSA modulus accepted (4096 bits). */
  static final int MAX_RSA_BYTES = 512;

  /** Copies. */
  public TpmtPublic {
    encoded = encoded.clone();
  }

  @Override
  public byte[] encoded() {
    return encoded.clone();
  }

  /**
   * The key's name: {@code nameAlg || H_nameAlg(TPMT_PUBLIC)} (Part 1 §16 "Names").
   *
   * @return the name
   */
  public byte[] name() {
    byte[] h = TpmAlg.digest(nameAlg).digest(encoded);
    byte[] out = new byte[2 + h.length];
    out[0] = (byte) (nameAlg >>> 8);
    out[1] = (byte) nameAlg;
    System.arraycopy(h, 0, out, 2, h.length);
    return out;
  }

  /** Parsed public areas by exact bytes. */
  private static final ContentCache<TpmtPublic> CACHE = new ContentCache<>(256);

  /**
   * Parses a TPMT_PUBLIC, reusing the result for identical bytes.
   *
   * @param bytes the structure, exactly
   * @return the parsed public area
   * @throws MalformedException as {@link #parse}
   */
  public static TpmtPublic parseCached(byte[] bytes) throws MalformedException {
    return CACHE.get(bytes, TpmtPublic::parse);
  }

  /**
   * Parses a TPMT_PUBLIC (not a TPM2B_PUBLIC: no leading size).
   *
   * @param bytes the structure, exactly
   * @return the parsed public area
   * @throws MalformedException if it is not an RSA or ECC key this provider can use, or is
   *     malformed
   */
  public static TpmtPublic parse(byte[] bytes) throws MalformedException {
    Cursor in = new Cursor(bytes, "TPMT_PUBLIC");
    int type = in.u16("type");
    int nameAlg = in.u16("nameAlg");
    if (TpmAlg.digestSize(nameAlg) < 0 || nameAlg == TpmAlg.SM3_256) {
      throw new MalformedException(
          "TPMT_PUBLIC: nameAlg " + TpmAlg.bankName(nameAlg) + " is not supported");
    }
    long attributes = in.u32("objectAttributes");
    in.tpm2b("authPolicy");
    int symmetric = in.u16("parameters.symmetric.algorithm");
    if (symmetric != TpmAlg.NULL) {
      // A signing key has no symmetric part; a storage key (which has) cannot sign a quote.
      throw new MalformedException(
          String.format(
              "TPMT_PUBLIC: symmetric algorithm 0x%04x set; a signing key has TPM_ALG_NULL",
              symmetric));
    }
    int scheme = in.u16("parameters.scheme.scheme");
    int schemeHash = TpmAlg.NULL;
    if (scheme != TpmAlg.NULL) {
      schemeHash = in.u16("parameters.scheme.details.hashAlg");
      if (scheme == TpmAlg.ECDAA) {
        in.u16("parameters.scheme.details.count");
      }
    }
    PublicKey key;
    try {
      if (type == TpmAlg.RSA) {
        int keyBits = in.u16("parameters.keyBits");
        long exponent = in.u32("parameters.exponent");
        byte[] modulus = in.tpm2b("unique.rsa");
        if (modulus.length == 0
            || modulus.length > MAX_RSA_BYTES
            || modulus.length * 8 != keyBits) {
          throw new MalformedException(
              "TPMT_PUBLIC: RSA modulus is " + modulus.length + " bytes for keyBits " + keyBits);
        }
        BigInteger e = BigInteger.valueOf(exponent == 0 ? 65537 : exponent);
        key =
            KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(new BigInteger(1, modulus), e));
      } else if (type == TpmAlg.ECC) {
        int curve = in.u16("parameters.curveID");
        int kdf = in.u16("parameters.kdf.scheme");
        if (kdf != TpmAlg.NULL) {
          in.u16("parameters.kdf.details.hashAlg");
        }
        byte[] x = in.tpm2b("unique.ecc.x");
        byte[] y = in.tpm2b("unique.ecc.y");
        String name =
            switch (curve) {
              case TpmAlg.NIST_P256 -> "secp256r1";
              case TpmAlg.NIST_P384 -> "secp384r1";
              case TpmAlg.NIST_P521 -> "secp521r1";
              default ->
                  throw new MalformedException(
                      String.format("TPMT_PUBLIC: ECC curve 0x%04x is not a NIST curve", curve));
            };
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec(name));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        ECPoint point = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
        key = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
      } else {
        throw new MalformedException(
            String.format("TPMT_PUBLIC: type 0x%04x is not RSA (0x0001) or ECC (0x0023)", type));
      }
    } catch (GeneralSecurityException e) {
      throw new MalformedException("TPMT_PUBLIC: the key is not usable: " + e.getMessage());
    }
    in.expectEnd();
    return new TpmtPublic(type, nameAlg, attributes, scheme, schemeHash, key, bytes);
  }
}
