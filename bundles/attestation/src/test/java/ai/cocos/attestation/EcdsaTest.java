package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Both implementations behind {@link Ecdsa} (the JDK for a process's first verifications,
 * BouncyCastle afterwards) accept exactly the valid signatures.
 */
class EcdsaTest {
  @Test
  void bothImplementationsAgree() throws Exception {
    for (String curve : new String[] {"secp256r1", "secp384r1"}) {
      KeyPair k = TestPki.ec(curve);
      String alg = curve.equals("secp256r1") ? "SHA256withECDSA" : "SHA384withECDSA";
      byte[] data = ("signed by " + curve).getBytes();
      Signature s = Signature.getInstance(alg);
      s.initSign(k.getPrivate());
      s.update(data);
      byte[] der = s.sign();
      Signature p = Signature.getInstance(alg + "inP1363Format");
      p.initSign(k.getPrivate());
      p.update(data);
      byte[] p1363 = p.sign();
      // More than Ecdsa.JDK_FIRST rounds from a fresh count: both implementations run on each
      // input.
      Ecdsa.resetCount();
      for (int i = 0; i < Ecdsa.JDK_FIRST + 8; i++) {
        assertTrue(Ecdsa.verifyDer(k.getPublic(), data, der), curve + " round " + i);
        assertTrue(Ecdsa.verifyP1363(k.getPublic(), data, p1363), curve + " round " + i);
        byte[] other = data.clone();
        other[0] ^= 1;
        assertFalse(Ecdsa.verifyP1363(k.getPublic(), other, p1363));
        byte[] flipped = p1363.clone();
        flipped[flipped.length - 1] ^= 1;
        assertFalse(Ecdsa.verifyP1363(k.getPublic(), data, flipped));
        assertFalse(Ecdsa.verifyDer(k.getPublic(), data, Arrays.copyOf(der, der.length + 1)));
      }
      BigInteger n = ((ECPublicKey) k.getPublic()).getParams().getOrder();
      int size = p1363.length / 2;
      byte[] zero = new byte[2 * size];
      assertFalse(Ecdsa.verifyP1363(k.getPublic(), data, zero));
      byte[] big = p1363.clone();
      byte[] nb = n.toByteArray();
      System.arraycopy(nb, nb.length - size, big, size, size); // s = n
      assertFalse(Ecdsa.verifyP1363(k.getPublic(), data, big));
      assertFalse(Ecdsa.verifyP1363(k.getPublic(), data, Arrays.copyOf(p1363, p1363.length - 1)));
    }
  }

  @Test
  void otherCurvesAndKeysAreRefused() throws Exception {
    KeyPair p521 = TestPki.ec("secp521r1");
    Signature s = Signature.getInstance("SHA512withECDSA");
    s.initSign(p521.getPrivate());
    s.update(new byte[] {1});
    assertFalse(Ecdsa.verifyDer(p521.getPublic(), new byte[] {1}, s.sign()));
    assertFalse(Ecdsa.supports(p521.getPublic()));
    assertFalse(Ecdsa.supports(TestPki.rsa().getPublic()));
  }

  @Test
  void derMustBeMinimal() throws Exception {
    KeyPair k = TestPki.ec("secp256r1");
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(k.getPrivate());
    s.update(new byte[] {7});
    byte[] der = s.sign();
    // Re-encode r with a superfluous leading zero: same numbers, not DER.
    byte[] seq = Arrays.copyOfRange(der, 2, der.length);
    int rl = seq[1];
    byte[] padded = new byte[der.length + 1];
    padded[0] = 0x30;
    padded[1] = (byte) (der[1] + 1);
    padded[2] = 0x02;
    padded[3] = (byte) (rl + 1);
    padded[4] = 0;
    System.arraycopy(seq, 2, padded, 5, seq.length - 2);
    assertTrue(Ecdsa.verifyDer(k.getPublic(), new byte[] {7}, der));
    assertFalse(Ecdsa.verifyDer(k.getPublic(), new byte[] {7}, padded));
  }
}
