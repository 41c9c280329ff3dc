package ai.cocos.crypto;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;

/**
 * Signs and verifies messages the way CocosAI does, so its keys and tools interoperate: RSA is
 * PKCS#1 v1.5 with SHA-256, ECDSA is an ASN.1 DER signature over SHA-256 (also on P-384), Ed25519
 * is pure Ed25519 over the message bytes.
 */
public final class Signatures {
  private Signatures() {}

  /**
   * Signs a message.
   *
   * @param key an RSA, EC or Ed25519 private key
   * @param message the bytes to sign
   * @return the signature
   * @throws KeyFormatException if the key type is not accepted
   */
  public static byte[] sign(PrivateKey key, byte[] message) throws KeyFormatException {
    try {
      Signature s = Signature.getInstance(algorithm(key));
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new KeyFormatException("cannot sign with this " + key.getAlgorithm() + " key", e);
    }
  }

  /**
   * Verifies a signature. Fails closed: any error (malformed signature, wrong key type) is a failed
   * verification.
   *
   * @param key an accepted public key
   * @param message the signed bytes
   * @param signature the signature
   * @return {@code true} only if the signature is valid for this key and message
   */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    if (key == null || message == null || signature == null || signature.length == 0) {
      return false;
    }
    try {
      PemKeys.checkAccepted(key);
      Signature s = Signature.getInstance(algorithm(key));
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | KeyFormatException | RuntimeException e) {
      return false;
    }
  }

  private static String algorithm(java.security.Key key) throws GeneralSecurityException {
    if (key instanceof RSAKey) {
      return "SHA256withRSA";
    }
    if (key instanceof ECKey) {
      return "SHA256withECDSA";
    }
    String alg = key.getAlgorithm();
    // The JDK calls both Ed25519 and Ed448 keys "EdDSA": the curve is in the parameters.
    boolean ed25519 =
        key instanceof EdECKey ed
            ? ed.getParams().getName().equalsIgnoreCase("Ed25519")
            : alg.equalsIgnoreCase("Ed25519");
    if (ed25519) {
      return "Ed25519";
    }
    throw new GeneralSecurityException("key type " + alg + " is not accepted");
  }
}
