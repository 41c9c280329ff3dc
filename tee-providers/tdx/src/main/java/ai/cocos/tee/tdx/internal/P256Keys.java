package ai.cocos.tee.tdx.internal;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;

/**
 * The quote's attestation key ({@code x || y} on P-256, QuoteFormat A.3.8) as a JCA public key for
 * {@link ai.cocos.attestation.Ecdsa}, which checks that the point is on the curve. Keys are
 * remembered by their bytes: a platform's attestation key signs every quote it produces.
 */
final class P256Keys {
  /** Bytes of one coordinate. */
  static final int FIELD = 32;

  private static final Memo<PublicKey> KEYS = new Memo<>(256);

  private P256Keys() {}

  /** The curve parameters, looked up on first use. */
  private static final class Params {
    static final ECParameterSpec P256 = p256();

    private static ECParameterSpec p256() {
      try {
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
        p.init(new ECGenParameterSpec("secp256r1"));
        return p.getParameterSpec(ECParameterSpec.class);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK lacks secp256r1", e);
      }
    }
  }

  /**
   * The key for raw coordinates.
   *
   * @param xy 64 bytes, {@code x || y} big-endian
   * @return the key, or {@code null} if the bytes cannot be a P-256 key
   */
  static PublicKey fromRaw(byte[] xy) {
    if (xy.length != 2 * FIELD) {
      return null;
    }
    PublicKey cached = KEYS.get(xy);
    if (cached != null) {
      return cached;
    }
    try {
      ECPoint w =
          new ECPoint(
              new BigInteger(1, Arrays.copyOfRange(xy, 0, FIELD)),
              new BigInteger(1, Arrays.copyOfRange(xy, FIELD, 2 * FIELD)));
      PublicKey key =
          KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, Params.P256));
      KEYS.put(xy, key);
      return key;
    } catch (GeneralSecurityException | RuntimeException e) {
      return null;
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
