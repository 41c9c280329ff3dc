package ai.cocos.api.computation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PublicKeyPemTest {
  @Test
  void standardPemOfTheDer() throws Exception {
    byte[] der = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPublic().getEncoded();
    PublicKeyPem k = PublicKeyPem.of(der);
    String[] lines = k.pem().split("\n", -1);
    assertEquals("-----BEGIN PUBLIC KEY-----", lines[0]);
    assertEquals("-----END PUBLIC KEY-----", lines[lines.length - 2]);
    assertEquals("", lines[lines.length - 1]);
    StringBuilder b64 = new StringBuilder();
    for (int i = 1; i < lines.length - 2; i++) {
      assertTrue(lines[i].length() <= 64);
      b64.append(lines[i]);
    }
    assertArrayEquals(der, Base64.getDecoder().decode(b64.toString()));
    assertEquals(k, new PublicKeyPem(k.pem(), der));
  }

  @Test
  void refusesPemThatIsNotTheStandardTextOfTheDer() throws Exception {
    byte[] der = KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic().getEncoded();
    String crlf = PublicKeyPem.of(der).pem().replace("\n", "\r\n");
    assertThrows(IllegalArgumentException.class, () -> new PublicKeyPem(crlf, der));
    assertThrows(IllegalArgumentException.class, () -> PublicKeyPem.of(new byte[0]));
  }

  @Test
  void copiesAndComparesTheDer() throws Exception {
    byte[] der = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
    PublicKeyPem k = PublicKeyPem.of(der.clone());
    k.der()[0] = 0;
    assertArrayEquals(der, k.der());
    assertEquals(PublicKeyPem.of(der), k);
    assertEquals(PublicKeyPem.of(der).hashCode(), k.hashCode());
    byte[] other =
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
    assertNotEquals(PublicKeyPem.of(other), k);
  }

  @Test
  void fingerprintIsTheStartOfSha256OfTheDer() throws Exception {
    byte[] der = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
    String expected =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der), 0, 8);
    assertEquals(expected, PublicKeyPem.of(der).fingerprint());
    assertEquals("PublicKeyPem[" + expected + "]", PublicKeyPem.of(der).toString());
  }
}
