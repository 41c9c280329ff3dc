package ai.cocos.attestation;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECDSA verification on P-256 and P-384, for the signatures attestation checks most (SNP reports,
 * TDX quotes, QE reports, Intel collateral, ECDSA certificates). Uses BouncyCastle's lightweight
 * implementation: on JDK 17 the SunEC provider verifies P-384 about 25 times slower than OpenSSL,
 * BouncyCastle's specialised curve arithmetic about 2-3 times; decoded public keys (with their
 * precomputed multiples) are cached, keyed by the key's encoding.
 *
 * <p>Strict: the key must be on P-256 or P-384, r and s in [1, n-1], the hash SHA-256 for P-256 and
 * SHA-384 for P-384. Thread-safe. Only loaded when an ECDSA signature is checked.
 */
public final class Ecdsa {
  private static final int CACHE = 256;
  private static final Map<String, ECPublicKeyParameters> KEYS =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ECPublicKeyParameters> e) {
              return size() > CACHE;
            }
          });

  private Ecdsa() {}

  /**
   * Verifies an IEEE P1363 signature ({@code r || s}, each the curve's size, big endian).
   *
   * @param key a P-256 or P-384 public key
   * @param data the signed bytes
   * @param signature 64 bytes (P-256) or 96 bytes (P-384)
   * @return {@code true} only if the signature is valid for the key's curve and hash
   */
  public static boolean verifyP1363(PublicKey key, byte[] data, byte[] signature) {
    ECPublicKeyParameters k = params(key);
    if (k == null) {
      return false;
    }
    int size = (k.getParameters().getN().bitLength() + 7) / 8;
    if (signature.length != 2 * size) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOf(signature, size));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, size, 2 * size));
    return verify(k, data, r, s);
  }

  /**
   * Verifies an ASN.1 DER signature ({@code SEQUENCE { r INTEGER, s INTEGER }}), as X.509 and CRLs
   * carry them.
   *
   * @param key a P-256 or P-384 public key
   * @param data the signed bytes
   * @param der the DER signature
   * @return {@code true} only if the signature is valid and strictly DER-encoded
   */
  public static boolean verifyDer(PublicKey key, byte[] data, byte[] der) {
    ECPublicKeyParameters k = params(key);
    if (k == null) {
      return false;
    }
    try {
      ASN1Primitive p = ASN1Primitive.fromByteArray(der);
      if (!(p instanceof ASN1Sequence seq)
          || seq.size() != 2
          || !Arrays.equals(p.getEncoded("DER"), der)) {
        return false;
      }
      BigInteger r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
      BigInteger s = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
      return verify(k, data, r, s);
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether a key is one this class verifies for.
   *
   * @param key a public key
   * @return {@code true} for EC keys on P-256 or P-384
   */
  public static boolean supports(PublicKey key) {
    return params(key) != null;
  }

  private static boolean verify(ECPublicKeyParameters k, byte[] data, BigInteger r, BigInteger s) {
    BigInteger n = k.getParameters().getN();
    if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(n) >= 0 || s.compareTo(n) >= 0) {
      return false;
    }
    try {
      String hash = n.bitLength() > 256 ? "SHA-384" : "SHA-256";
      byte[] h = MessageDigest.getInstance(hash).digest(data);
      ECDSASigner v = new ECDSASigner();
      v.init(false, k);
      return v.verifySignature(h, r, s);
    } catch (NoSuchAlgorithmException | RuntimeException e) {
      return false;
    }
  }

  private static ECPublicKeyParameters params(PublicKey key) {
    if (!(key instanceof ECPublicKey ec)) {
      return null;
    }
    String id = Certs.sha256(key.getEncoded());
    ECPublicKeyParameters cached = KEYS.get(id);
    if (cached != null) {
      return cached;
    }
    int bits = ec.getParams().getCurve().getField().getFieldSize();
    String curve = bits == 256 ? "secp256r1" : bits == 384 ? "secp384r1" : null;
    if (curve == null) {
      return null;
    }
    X9ECParameters x9 = CustomNamedCurves.getByName(curve);
    // The key must be on the named curve itself, not merely a curve of the same size.
    if (!x9.getCurve().getA().toBigInteger().equals(ec.getParams().getCurve().getA())
        || !x9.getCurve().getB().toBigInteger().equals(ec.getParams().getCurve().getB())
        || !x9.getG()
            .getAffineXCoord()
            .toBigInteger()
            .equals(ec.getParams().getGenerator().getAffineX())) {
      return null;
    }
    try {
      ECPoint q = x9.getCurve().validatePoint(ec.getW().getAffineX(), ec.getW().getAffineY());
      ECPublicKeyParameters p =
          new ECPublicKeyParameters(
              q, new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH()));
      KEYS.put(id, p);
      return p;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
