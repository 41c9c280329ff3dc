package ai.cocos.atls;

import static ai.cocos.atls.AtlsTestSupport.EMULATED;
import static ai.cocos.atls.AtlsTestSupport.MANIFEST;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.atls.AtlsClaims.AtlsFormatException;
import ai.cocos.attestation.EvidenceFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SNIHostName;
import org.junit.jupiter.api.Test;

/** The wire format: server names, the binding, the claims' DER and the certificate. */
class AtlsFormatTest {
  static final HexFormat HEX = HexFormat.of();

  @Test
  void theNonceTravelsAsTwoHexLabelsTheJdkAcceptsAsSni() {
    byte[] nonce = new byte[32];
    for (int i = 0; i < 32; i++) {
      nonce[i] = (byte) (0xa0 + i);
    }
    String name = AtlsBinding.serverName(nonce);
    assertEquals("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.b0b1b2b3b4b5b6b7b8b9babbbcbdbebf.nonce", name);
    assertEquals(71, name.length());
    assertEquals(name, new SNIHostName(name).getAsciiName()); // labels <= 63, LDH
    assertArrayEquals(nonce, AtlsBinding.nonce(name).orElseThrow());
    assertArrayEquals(nonce, AtlsBinding.nonce(name.toUpperCase()).orElseThrow());
    // 64 hex digits in one label is what a DNS name cannot carry.
    assertThrows(
        IllegalArgumentException.class, () -> new SNIHostName(HEX.formatHex(nonce) + ".nonce"));
  }

  @Test
  void namesThatAreNotNoncesAreNotRead() {
    String good = AtlsBinding.serverName(AtlsBinding.newNonce());
    for (String bad :
        List.of(
            "localhost",
            "",
            good.replace(".nonce", ".other"),
            good.substring(1),
            good.replace('.', 'x'),
            "g" + good.substring(1),
            good + ".")) {
      assertTrue(AtlsBinding.nonce(bad).isEmpty(), bad);
    }
    assertTrue(AtlsBinding.nonce(null).isEmpty());
  }

  @Test
  void theBindingIsShaOverLabelNonceKeyAndManifest() throws Exception {
    byte[] nonce = AtlsBinding.newNonce();
    KeyPair k = AtlsCertificates.newKeyPair();
    byte[] spki = MessageDigest.getInstance("SHA-256").digest(k.getPublic().getEncoded());
    assertArrayEquals(spki, AtlsBinding.spkiSha256(k.getPublic()));
    ByteArrayOutputStream x = new ByteArrayOutputStream();
    x.writeBytes("cocos-atls-v1".getBytes(StandardCharsets.US_ASCII));
    x.writeBytes(nonce);
    x.writeBytes(spki);
    x.writeBytes(MANIFEST.bytes());
    assertArrayEquals(
        MessageDigest.getInstance("SHA-512").digest(x.toByteArray()),
        AtlsBinding.reportData(nonce, spki, MANIFEST));
    assertArrayEquals(
        MessageDigest.getInstance("SHA-256").digest(x.toByteArray()),
        AtlsBinding.vtpmNonce(nonce, spki, MANIFEST));
    byte[] other = nonce.clone();
    other[31] ^= 1;
    assertFalse(
        Arrays.equals(
            AtlsBinding.reportData(nonce, spki, MANIFEST),
            AtlsBinding.reportData(other, spki, MANIFEST)));
  }

  @Test
  void theCertificateCarriesClaimsTheEvidenceBinds() throws Exception {
    KeyPair k = AtlsCertificates.newKeyPair();
    byte[] nonce = AtlsBinding.newNonce();
    AtlsServerKeyManager km =
        new AtlsServerKeyManager(k, MANIFEST, EMULATED::gather, java.time.Clock.systemUTC());
    X509Certificate c = km.certificateFor(nonce);
    AtlsClaims claims = AtlsCertificates.claims(c).orElseThrow();
    assertArrayEquals(nonce, claims.nonce());
    assertArrayEquals(AtlsBinding.spkiSha256(k.getPublic()), claims.spkiSha256());
    assertEquals(MANIFEST, claims.manifest());
    Evidence e = EvidenceFile.read(claims.evidence());
    assertEquals("emulated", e.platform());
    // The certificate is for the agent's key, self-signed, and names the connection.
    assertEquals(k.getPublic(), c.getPublicKey());
    c.verify(k.getPublic());
    assertEquals("CN=" + AtlsCertificates.SUBJECT, c.getSubjectX500Principal().getName());
    assertEquals(
        List.of(List.of(2, AtlsBinding.serverName(nonce))),
        c.getSubjectAlternativeNames().stream().map(List::copyOf).toList());
    assertTrue(c.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"));
    assertTrue(c.getKeyUsage()[0]);
    assertFalse(c.getCriticalExtensionOIDs().contains(AtlsBinding.EXTENSION_OID));
    c.checkValidity();
    // Round trip through DER.
    assertEquals(c, AtlsCertificates.parse(c.getEncoded()));
  }

  @Test
  void aCertificateWithoutTheExtensionHasNoClaims() throws Exception {
    // The emulated VCEK: an ordinary certificate.
    Evidence e = EMULATED.gather(new EvidenceRequest(new byte[64], new byte[32]));
    X509Certificate vcek = AtlsCertificates.parse(e.attachments().get("vcek"));
    assertTrue(AtlsCertificates.claims(vcek).isEmpty());
  }

  @Test
  void claimsDecodeStrictly() throws Exception {
    Evidence e = EMULATED.gather(new EvidenceRequest(new byte[64], new byte[32]));
    AtlsClaims c = AtlsClaims.of(AtlsBinding.newNonce(), new byte[32], MANIFEST, e);
    byte[] der = c.encode();
    AtlsClaims back = AtlsClaims.decode(der);
    assertArrayEquals(c.nonce(), back.nonce());
    assertArrayEquals(c.evidence(), back.evidence());
    assertEquals(c.manifest(), back.manifest());

    byte[] trailing = Arrays.copyOf(der, der.length + 1);
    assertThrows(AtlsFormatException.class, () -> AtlsClaims.decode(trailing));
    byte[] truncated = Arrays.copyOf(der, der.length - 1);
    assertThrows(AtlsFormatException.class, () -> AtlsClaims.decode(truncated));
    // version 2
    byte[] v2 = der.clone();
    int at = indexOf(v2, new byte[] {0x02, 0x01, 0x01});
    v2[at + 2] = 2;
    AtlsFormatException version =
        assertThrows(AtlsFormatException.class, () -> AtlsClaims.decode(v2));
    assertTrue(version.getMessage().contains("version 2"), version.getMessage());
    // a short nonce
    byte[] shortNonce =
        ai.cocos.atls.internal.Der.sequence(
            ai.cocos.atls.internal.Der.integer(java.math.BigInteger.ONE),
            ai.cocos.atls.internal.Der.octets(new byte[31]),
            ai.cocos.atls.internal.Der.octets(new byte[32]),
            ai.cocos.atls.internal.Der.octets(new byte[32]),
            ai.cocos.atls.internal.Der.octets(new byte[0]));
    AtlsFormatException nonce =
        assertThrows(AtlsFormatException.class, () -> AtlsClaims.decode(shortNonce));
    assertTrue(nonce.getMessage().contains("claims.nonce"), nonce.getMessage());
    // a length in long form where the short form fits is not DER
    byte[] longForm = {0x30, (byte) 0x81, 0x03, 0x02, 0x01, 0x01};
    assertThrows(AtlsFormatException.class, () -> AtlsClaims.decode(longForm));
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
