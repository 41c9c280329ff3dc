package ai.cocos.atls;

import ai.cocos.api.computation.Sha3Hash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The wire format of attested TLS, version 1: how the client's nonce travels in SNI, and what the
 * TEE evidence binds.
 *
 * <h2>Nonce in SNI</h2>
 *
 * <p>The client draws {@value #NONCE_BYTES} random bytes per connection and sends them as the
 * ClientHello's server name {@code <hex 0-15>.<hex 16-31>.nonce}: the lower-case hex of the first
 * and of the last 16 bytes, as two DNS labels of 32 characters, then the label {@code nonce}
 * (CocosAI's legacy aTLS sent {@code <hex>.nonce}; 64 hex digits would exceed a DNS label's 63
 * characters, which the JDK's {@code SNIHostName} and BoringSSL enforce). 71 characters in all.
 *
 * <h2>Binding</h2>
 *
 * <pre>
 * X           = "cocos-atls-v1" (13 ASCII bytes) ‖ nonce (32) ‖ SHA-256(SPKI DER) (32)
 *               ‖ SHA3-256 manifest digest (32)
 * report_data = SHA-512(X)      (64 bytes: SEV-SNP REPORT_DATA, TDX REPORTDATA)
 * vTPM nonce  = SHA-256(X)      (32 bytes: the TPM quote's qualifying data)
 * </pre>
 *
 * <p>SPKI is the DER SubjectPublicKeyInfo of the TLS certificate's key; the manifest digest is the
 * SHA3-256 of the manifest's canonical form (the value result signatures and the manifest's owner
 * signature cover). Every field has a fixed length, so no two inputs share an encoding.
 */
public final class AtlsBinding {
  /** The domain-separation label at the start of the bound input. */
  public static final String LABEL = "cocos-atls-v1";

  /** The nonce's size in bytes. */
  public static final int NONCE_BYTES = 32;

  /** The last label of the server name carrying a nonce. */
  public static final String SNI_SUFFIX = ".nonce";

  /**
   * The X.509 extension carrying {@link AtlsClaims}: {@code
   * 2.25.68281626296318018984188652843774940648}, an OID derived from a random UUID (ITU-T X.667),
   * so it needs no registration and collides with nothing (CocosAI's legacy aTLS used {@code
   * 2.99999.1.x} for a different format).
   */
  public static final String EXTENSION_OID = "2.25.68281626296318018984188652843774940648";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] LABEL_BYTES = LABEL.getBytes(StandardCharsets.US_ASCII);
  private static final int HALF = NONCE_BYTES / 2;

  private AtlsBinding() {}

  /**
   * A fresh random nonce.
   *
   * @return {@value #NONCE_BYTES} bytes from a {@link SecureRandom}
   */
  public static byte[] newNonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  /**
   * The server name carrying a nonce.
   *
   * @param nonce {@value #NONCE_BYTES} bytes
   * @return {@code <32 hex>.<32 hex>.nonce}
   */
  public static String serverName(byte[] nonce) {
    checkNonce(nonce);
    String hex = HEX.formatHex(nonce);
    return hex.substring(0, 2 * HALF) + "." + hex.substring(2 * HALF) + SNI_SUFFIX;
  }

  /**
   * The nonce a server name carries.
   *
   * @param serverName a requested server name (SNI host name), any case
   * @return the nonce, or empty if the name is not of the form {@link #serverName} writes
   */
  public static Optional<byte[]> nonce(String serverName) {
    if (serverName == null) {
      return Optional.empty();
    }
    String s = serverName.toLowerCase(Locale.ROOT);
    int labels = 2 * HALF * 2 + 1; // 32 hex, dot, 32 hex
    if (s.length() != labels + SNI_SUFFIX.length()
        || !s.endsWith(SNI_SUFFIX)
        || s.charAt(2 * HALF) != '.') {
      return Optional.empty();
    }
    String hex = s.substring(0, 2 * HALF) + s.substring(2 * HALF + 1, labels);
    for (int i = 0; i < hex.length(); i++) {
      if (Character.digit(hex.charAt(i), 16) < 0) {
        return Optional.empty();
      }
    }
    return Optional.of(HEX.parseHex(hex));
  }

  /**
   * SHA-256 of a key's DER SubjectPublicKeyInfo: how the evidence names the TLS key.
   *
   * @param key the key
   * @return 32 bytes
   */
  public static byte[] spkiSha256(PublicKey key) {
    return sha("SHA-256", key.getEncoded());
  }

  /**
   * The 64 bytes the TEE report's report-data field must hold.
   *
   * @param nonce the client's nonce
   * @param spkiSha256 SHA-256 of the TLS key's SPKI
   * @param manifest the manifest's digest
   * @return SHA-512 of the bound input
   */
  public static byte[] reportData(byte[] nonce, byte[] spkiSha256, Sha3Hash manifest) {
    return sha("SHA-512", input(nonce, spkiSha256, manifest));
  }

  /**
   * The 32 bytes a TPM quote's qualifying data must hold.
   *
   * @param nonce the client's nonce
   * @param spkiSha256 SHA-256 of the TLS key's SPKI
   * @param manifest the manifest's digest
   * @return SHA-256 of the bound input
   */
  public static byte[] vtpmNonce(byte[] nonce, byte[] spkiSha256, Sha3Hash manifest) {
    return sha("SHA-256", input(nonce, spkiSha256, manifest));
  }

  private static byte[] input(byte[] nonce, byte[] spkiSha256, Sha3Hash manifest) {
    checkNonce(nonce);
    Objects.requireNonNull(manifest, "manifest");
    if (spkiSha256 == null || spkiSha256.length != 32) {
      throw new IllegalArgumentException("the SPKI digest must be 32 bytes (SHA-256)");
    }
    byte[] m = manifest.bytes();
    byte[] x = new byte[LABEL_BYTES.length + NONCE_BYTES + 32 + m.length];
    int p = 0;
    System.arraycopy(LABEL_BYTES, 0, x, p, LABEL_BYTES.length);
    p += LABEL_BYTES.length;
    System.arraycopy(nonce, 0, x, p, NONCE_BYTES);
    p += NONCE_BYTES;
    System.arraycopy(spkiSha256, 0, x, p, 32);
    p += 32;
    System.arraycopy(m, 0, x, p, m.length);
    return x;
  }

  private static void checkNonce(byte[] nonce) {
    if (nonce == null || nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException(
          "an attested-TLS nonce has "
              + NONCE_BYTES
              + " bytes, not "
              + (nonce == null ? "none" : nonce.length));
    }
  }

  private static byte[] sha(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is missing from this JDK", e);
    }
  }

  /**
   * Short lower-case hex for messages: the first 8 bytes and an ellipsis.
   *
   * @param bytes the value
   * @return for example {@code 9f86d081884c7d65…}
   */
  static String shortHex(byte[] bytes) {
    String h = HEX.formatHex(bytes);
    return h.length() <= 16 ? h : h.substring(0, 16) + "…";
  }
}
