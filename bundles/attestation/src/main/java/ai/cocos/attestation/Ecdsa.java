package ai.cocos.attestation;

import ai.cocos.attestation.internal.Der;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECDSA verification on P-256 and P-384, for the signatures attestation checks most (SNP reports,
 * TDX quotes, QE reports, Intel collateral, ECDSA certificates).
 *
 * <p>Two implementations, chosen by how much this process verifies. On JDK 17 the SunEC provider
 * verifies P-384 about 8 times slower than BouncyCastle's specialised curve arithmetic (see {@code
 * bench/attestation-snp.sh}); but BouncyCastle's first verification in a fresh JVM costs 200-300 ms
 * (class loading and the generator's precomputed table) against about 50 ms for SunEC. So the first
 * {@value #JDK_FIRST} verifications of a process use SunEC (a one-shot command-line verification
 * stays fast and never loads BouncyCastle) and later ones BouncyCastle (agents, attested-TLS
 * clients, benchmarks), with decoded public keys and their precomputed multiples cached by the
 * key's encoding.
 *
 * <p>Strict either way: the key must be on P-256 or P-384 exactly, r and s in [1, n-1] (and DER
 * signatures minimally encoded), the hash SHA-256 for P-256 and SHA-384 for P-384. Thread-safe.
 */
public final class Ecdsa {
  /** How many verifications of a process use the JDK before switching to BouncyCastle. */
  public static final int JDK_FIRST = 32;

  private static final int CACHE = 256;
  private static final AtomicInteger COUNT = new AtomicInteger();
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

  /** Starts counting again, so that tests exercise both implementations. */
  static void resetCount() {
    COUNT.set(0);
  }

  /**
   * Verifies an IEEE P1363 signature ({@code r || s}, each the curve's size, big endian).
   *
   * @param key a P-256 or P-384 public key
   * @param data the signed bytes
   * @param signature 64 bytes (P-256) or 96 bytes (P-384)
   * @return {@code true} only if the signature is valid for the key's curve and hash
   */
  public static boolean verifyP1363(PublicKey key, byte[] data, byte[] signature) {
    Curve c = Curve.of(key);
    if (c == null || signature.length != 2 * c.size) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOf(signature, c.size));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, c.size, 2 * c.size));
    return verify(key, c, data, r, s);
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
    Curve c = Curve.of(key);
    if (c == null) {
      return false;
    }
    byte[] seq = Der.contents(der, 0x30);
    if (seq == null) {
      return false;
    }
    BigInteger[] rs = Der.twoIntegers(seq);
    return rs != null && verify(key, c, data, rs[0], rs[1]);
  }

  /**
   * Whether a key is one this class verifies for.
   *
   * @param key a public key
   * @return {@code true} for EC keys on P-256 or P-384
   */
  public static boolean supports(PublicKey key) {
    return Curve.of(key) != null;
  }

  private static boolean verify(PublicKey key, Curve c, byte[] data, BigInteger r, BigInteger s) {
    if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(c.n) >= 0 || s.compareTo(c.n) >= 0) {
      return false;
    }
    if (COUNT.get() < JDK_FIRST && COUNT.incrementAndGet() <= JDK_FIRST) {
      return jdk(key, c, data, r, s);
    }
    ECPublicKeyParameters k = bc(key, c);
    if (k == null) {
      return false;
    }
    try {
      byte[] h = MessageDigest.getInstance(c.hash).digest(data);
      ECDSASigner v = new ECDSASigner();
      v.init(false, k);
      return v.verifySignature(h, r, s);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static boolean jdk(PublicKey key, Curve c, byte[] data, BigInteger r, BigInteger s) {
    try {
      byte[] sig = new byte[2 * c.size];
      put(r, sig, 0, c.size);
      put(s, sig, c.size, c.size);
      Signature v = Signature.getInstance(c.jdkAlgorithm);
      v.initVerify(key);
      v.update(data);
      return v.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** Writes a non-negative value below 2^(8*size) right-aligned into {@code out}. */
  private static void put(BigInteger v, byte[] out, int off, int size) {
    byte[] b = v.toByteArray();
    int len = Math.min(b.length, size);
    System.arraycopy(b, b.length - len, out, off + size - len, len);
  }

  private static ECPublicKeyParameters bc(PublicKey key, Curve c) {
    String id = Certs.sha256(key.getEncoded());
    ECPublicKeyParameters cached = KEYS.get(id);
    if (cached != null) {
      return cached;
    }
    try {
      ECPublicKey ec = (ECPublicKey) key;
      X9ECParameters x9 = CustomNamedCurves.getByName(c.name);
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

  /** The two curves accepted, recognised with the JDK's own parameters (no BouncyCastle). */
  private static final class Curve {
    static final Curve P256 = new Curve("secp256r1", 32, "SHA-256", "SHA256withECDSAinP1363Format");
    static final Curve P384 = new Curve("secp384r1", 48, "SHA-384", "SHA384withECDSAinP1363Format");

    final String name;
    final int size;
    final String hash;
    final String jdkAlgorithm;
    final ECParameterSpec spec;
    final BigInteger n;

    private Curve(String name, int size, String hash, String jdkAlgorithm) {
      this.name = name;
      this.size = size;
      this.hash = hash;
      this.jdkAlgorithm = jdkAlgorithm;
      try {
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
        p.init(new ECGenParameterSpec(name));
        this.spec = p.getParameterSpec(ECParameterSpec.class);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK lacks curve " + name, e);
      }
      this.n = spec.getOrder();
    }

    static Curve of(PublicKey key) {
      if (!(key instanceof ECPublicKey ec)) {
        return null;
      }
      ECParameterSpec p = ec.getParams();
      int bits = p.getCurve().getField().getFieldSize();
      Curve c = bits == 256 ? P256 : bits == 384 ? P384 : null;
      // The key must be on the named curve itself, not merely on a curve of the same size.
      return c != null
              && c.spec.getCurve().equals(p.getCurve())
              && c.spec.getGenerator().equals(p.getGenerator())
              && c.n.equals(p.getOrder())
          ? c
          : null;
    }
  }
}
