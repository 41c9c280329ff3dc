package ai.cocos.api.computation;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A party's public key as a manifest names it: the DER-encoded SubjectPublicKeyInfo (the form
 * CocosAI's protocol carries in {@code userKey}) and its standard PEM text.
 *
 * <p>The PEM text is always the standard encoding of the DER ({@code -----BEGIN PUBLIC KEY-----},
 * base64 in lines of 64 characters, {@code \n} line ends), so two values are equal exactly when
 * their keys are. This type checks only the encoding; that the key is of a type and size Cocos
 * accepts is checked when a manifest is parsed.
 *
 * @param pem the standard PEM text of {@code der}
 * @param der the DER-encoded SubjectPublicKeyInfo (copied in and out)
 */
public record PublicKeyPem(String pem, byte[] der) {
  /** The PEM label of a SubjectPublicKeyInfo. */
  public static final String LABEL = "PUBLIC KEY";

  /**
   * Checks that {@code pem} is the standard PEM text of {@code der} and copies the bytes.
   *
   * @throws IllegalArgumentException if the DER is empty or the PEM is not its standard text
   */
  public PublicKeyPem {
    Objects.requireNonNull(pem, "pem");
    Objects.requireNonNull(der, "der");
    if (der.length == 0) {
      throw new IllegalArgumentException("empty public key");
    }
    der = der.clone();
    if (!pem.equals(encode(der))) {
      throw new IllegalArgumentException(
          "pem is not the standard PEM text of der: build it with PublicKeyPem.of(der)");
    }
  }

  /**
   * Wraps a DER-encoded SubjectPublicKeyInfo.
   *
   * @param der the encoded key
   * @return the value, with its standard PEM text
   */
  public static PublicKeyPem of(byte[] der) {
    Objects.requireNonNull(der, "der");
    return new PublicKeyPem(encode(der), der);
  }

  /**
   * The DER encoding.
   *
   * @return a copy of the SubjectPublicKeyInfo bytes
   */
  @Override
  public byte[] der() {
    return der.clone();
  }

  /**
   * A short, stable name for the key in messages and logs (the same as {@code
   * ai.cocos.crypto.PemKeys.fingerprint}): SHA-256 of the DER, first 16 hex digits.
   *
   * @return e.g. {@code 3f9a0c1d2e4b5a69}
   */
  public String fingerprint() {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(der);
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Equal when the DER encodings are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PublicKeyPem k && Arrays.equals(der, k.der);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(der);
  }

  /**
   * Names the key by its fingerprint.
   *
   * @return e.g. {@code PublicKeyPem[3f9a0c1d2e4b5a69]}
   */
  @Override
  public String toString() {
    return "PublicKeyPem[" + fingerprint() + "]";
  }

  private static String encode(byte[] der) {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + LABEL + "-----\n" + b64 + "\n-----END " + LABEL + "-----\n";
  }
}
