package ai.cocos.tee.vtpm.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * TPM_ALG_ID values this provider understands (TCG Algorithm Registry, and TPM 2.0 Library Part 2
 * rev 1.53 Table 2:9 "Definition of TPM_ALG_ID Constants"), with the names people and policies use
 * for hash banks ({@code sha1}, {@code sha256}, ...).
 */
public final class TpmAlg {
  /** TPM_ALG_RSA. */
  public static final int RSA = 0x0001;

  /** TPM_ALG_SHA1. */
  public static final int SHA1 = 0x0004;

  /** TPM_ALG_SHA256. */
  public static final int SHA256 = 0x000B;

  /** TPM_ALG_SHA384. */
  public static final int SHA384 = 0x000C;

  /** TPM_ALG_SHA512. */
  public static final int SHA512 = 0x000D;

  /** TPM_ALG_NULL. */
  public static final int NULL = 0x0010;

  /** TPM_ALG_SM3_256 (recognised so that logs carrying it can be skipped by name). */
  public static final int SM3_256 = 0x0012;

  /** TPM_ALG_RSASSA (PKCS#1 v1.5). */
  public static final int RSASSA = 0x0014;

  /** TPM_ALG_RSAPSS. */
  public static final int RSAPSS = 0x0016;

  /** TPM_ALG_ECDSA. */
  public static final int ECDSA = 0x0018;

  /** TPM_ALG_ECDAA. */
  public static final int ECDAA = 0x001A;

  /** TPM_ALG_ECC. */
  public static final int ECC = 0x0023;

  /** TPM_ECC_NIST_P256 (Part 2 Table 2:11 TPM_ECC_CURVE). */
  public static final int NIST_P256 = 0x0003;

  /** TPM_ECC_NIST_P384. */
  public static final int NIST_P384 = 0x0004;

  /** TPM_ECC_NIST_P521. */
  public static final int NIST_P521 = 0x0005;

  private TpmAlg() {}

  /**
   * The digest size of a hash algorithm.
   *
   * @param alg a TPM_ALG_ID
   * @return the size in bytes, or -1 if {@code alg} is not a hash this provider knows
   */
  public static int digestSize(int alg) {
    return switch (alg) {
      case SHA1 -> 20;
      case SHA256, SM3_256 -> 32;
      case SHA384 -> 48;
      case SHA512 -> 64;
      default -> -1;
    };
  }

  /**
   * Hex with a 0x prefix, zero-padded (cheaper than String.format on the verification path).
   *
   * @param v the value
   * @param digits how many hex digits
   * @return e.g. {@code 0xff544347}
   */
  public static String hex(long v, int digits) {
    String h = Long.toHexString(v);
    return "0x" + "0".repeat(Math.max(0, digits - h.length())) + h;
  }

  /**
   * The bank name of a hash algorithm, as policies and claims spell it.
   *
   * @param alg a TPM_ALG_ID
   * @return {@code sha1}, {@code sha256}, {@code sha384}, {@code sha512}, {@code sm3_256} or {@code
   *     alg-0x....}
   */
  public static String bankName(int alg) {
    return switch (alg) {
      case SHA1 -> "sha1";
      case SHA256 -> "sha256";
      case SHA384 -> "sha384";
      case SHA512 -> "sha512";
      case SM3_256 -> "sm3_256";
      default -> String.format(Locale.ROOT, "alg-0x%04x", alg);
    };
  }

  /**
   * The hash algorithm of a bank name.
   *
   * @param bank {@code sha1}, {@code sha256}, {@code sha384} or {@code sha512} (case-insensitive)
   * @return the TPM_ALG_ID, or -1 if unknown
   */
  public static int hashOf(String bank) {
    return switch (bank.toLowerCase(Locale.ROOT)) {
      case "sha1" -> SHA1;
      case "sha256" -> SHA256;
      case "sha384" -> SHA384;
      case "sha512" -> SHA512;
      default -> -1;
    };
  }

  /**
   * A JDK message digest for a TPM hash algorithm.
   *
   * @param alg a TPM_ALG_ID
   * @return a fresh digest
   * @throws IllegalArgumentException if the JDK has no digest for it (SM3)
   */
  public static MessageDigest digest(int alg) {
    String name =
        switch (alg) {
          case SHA1 -> "SHA-1";
          case SHA256 -> "SHA-256";
          case SHA384 -> "SHA-384";
          case SHA512 -> "SHA-512";
          default -> throw new IllegalArgumentException("no digest for " + bankName(alg));
        };
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(name + " missing from the JDK", e);
    }
  }

  /**
   * The JCA name of a hash for signature algorithms ({@code SHA256} in {@code SHA256withRSA}).
   *
   * @param alg a TPM_ALG_ID
   * @return the name, or {@code null} if not a supported signature hash
   */
  static String jcaHash(int alg) {
    return switch (alg) {
      case SHA1 -> "SHA1";
      case SHA256 -> "SHA256";
      case SHA384 -> "SHA384";
      case SHA512 -> "SHA512";
      default -> null;
    };
  }
}
