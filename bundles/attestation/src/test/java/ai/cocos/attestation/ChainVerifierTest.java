package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChainVerifierTest {
  static KeyPair rootKey;
  static KeyPair askKey;
  static KeyPair leafKey;
  static X509Certificate root;
  static X509Certificate ask;
  static X509Certificate leaf;
  static final Instant AT = Instant.parse("2026-06-01T00:00:00Z");

  @BeforeAll
  static void pki() throws Exception {
    rootKey = TestPki.rsa();
    askKey = TestPki.rsa();
    leafKey = TestPki.ec("secp384r1");
    root =
        TestPki.cert(
            "CN=ARK-Test",
            rootKey.getPublic(),
            "CN=ARK-Test",
            rootKey.getPrivate(),
            true,
            TestPki.T0,
            TestPki.T1);
    ask =
        TestPki.cert(
            "CN=SEV-Test",
            askKey.getPublic(),
            "CN=ARK-Test",
            rootKey.getPrivate(),
            true,
            TestPki.T0,
            TestPki.T1);
    leaf =
        TestPki.cert(
            "CN=SEV-VCEK",
            leafKey.getPublic(),
            "CN=SEV-Test",
            askKey.getPrivate(),
            false,
            TestPki.T0,
            TestPki.T1);
  }

  ChainVerifier v = new ChainVerifier(16);

  @Test
  void verifiesRsaPssChainToPinnedRoot() throws Exception {
    assertEquals("1.2.840.113549.1.1.10", leaf.getSigAlgOID());
    assertEquals(List.of(leaf, ask, root), v.verify(List.of(leaf, ask, root), List.of(root), AT));
    // The root may be left out: it is looked up among the anchors by name.
    assertEquals(List.of(leaf, ask, root), v.verify(List.of(leaf, ask), List.of(root), AT));
    // Warm: the same chain again is served by the cache and still passes.
    assertEquals(3, v.verify(List.of(leaf, ask), List.of(root), AT).size());
  }

  @Test
  void failsOutsideValidityAtTheInjectedTime() {
    ChainException e =
        assertThrows(
            ChainException.class,
            () ->
                v.verify(List.of(leaf, ask), List.of(root), Instant.parse("2031-01-01T00:00:00Z")));
    assertEquals(
        "certificate CN=SEV-VCEK expired at 2030-01-01T00:00:00Z (verification time 2031-01-01T00:00:00Z)",
        e.getMessage());
    e =
        assertThrows(
            ChainException.class,
            () ->
                v.verify(List.of(leaf, ask), List.of(root), Instant.parse("2024-01-01T00:00:00Z")));
    assertTrue(e.getMessage().contains("is not valid before 2025-01-01T00:00:00Z"), e.getMessage());
  }

  @Test
  void failsForAnUntrustedRoot() throws Exception {
    KeyPair other = TestPki.rsa();
    X509Certificate fake =
        TestPki.cert(
            "CN=ARK-Test",
            other.getPublic(),
            "CN=ARK-Test",
            other.getPrivate(),
            true,
            TestPki.T0,
            TestPki.T1);
    ChainException e =
        assertThrows(ChainException.class, () -> v.verify(List.of(leaf, ask), List.of(fake), AT));
    assertTrue(e.getMessage().startsWith("no trusted root issued CN=SEV-Test"), e.getMessage());
    e =
        assertThrows(
            ChainException.class, () -> v.verify(List.of(leaf, ask, fake), List.of(root), AT));
    assertTrue(e.getMessage().contains("is not signed by CN=ARK-Test"), e.getMessage());
    assertThrows(ChainException.class, () -> v.verify(List.of(leaf, ask), List.of(), AT));
  }

  @Test
  void failsForATamperedCertificate() throws Exception {
    byte[] der = leaf.getEncoded();
    der[der.length - 10] ^= 1; // inside the signature
    X509Certificate bad = Certs.parse(der);
    ChainException e =
        assertThrows(ChainException.class, () -> v.verify(List.of(bad, ask), List.of(root), AT));
    assertEquals(
        "certificate CN=SEV-VCEK is not signed by CN=SEV-Test: signature does not verify",
        e.getMessage());
  }

  @Test
  void failsWhenAnIssuerIsNotACa() throws Exception {
    KeyPair k = TestPki.rsa();
    X509Certificate notCa =
        TestPki.cert(
            "CN=Mid",
            k.getPublic(),
            "CN=ARK-Test",
            rootKey.getPrivate(),
            false,
            TestPki.T0,
            TestPki.T1);
    X509Certificate below =
        TestPki.cert(
            "CN=Leaf",
            leafKey.getPublic(),
            "CN=Mid",
            k.getPrivate(),
            false,
            TestPki.T0,
            TestPki.T1);
    ChainException e =
        assertThrows(
            ChainException.class, () -> v.verify(List.of(below, notCa), List.of(root), AT));
    assertTrue(e.getMessage().contains("is not a CA"), e.getMessage());
  }

  @Test
  void failsOnUnknownCriticalExtensions() throws Exception {
    X509Certificate odd =
        TestPki.cert(
            "CN=Odd",
            leafKey.getPublic(),
            "CN=SEV-Test",
            askKey.getPrivate(),
            false,
            TestPki.T0,
            TestPki.T1,
            TestPki.critical("1.2.3.4"));
    ChainException e =
        assertThrows(ChainException.class, () -> v.verify(List.of(odd, ask), List.of(root), AT));
    assertEquals(
        "certificate CN=Odd has an unsupported critical extension 1.2.3.4", e.getMessage());
  }

  @Test
  void checksCrls() throws Exception {
    X509CRL good = TestPki.crl("CN=ARK-Test", rootKey.getPrivate(), TestPki.T0, TestPki.T1);
    v.verifyCrl(good, root, AT);
    ChainVerifier.checkNotRevoked(good, ask);

    X509CRL revoking =
        TestPki.crl(
            "CN=ARK-Test", rootKey.getPrivate(), TestPki.T0, TestPki.T1, ask.getSerialNumber());
    v.verifyCrl(revoking, root, AT);
    ChainException e =
        assertThrows(ChainException.class, () -> ChainVerifier.checkNotRevoked(revoking, ask));
    assertTrue(
        e.getMessage()
            .startsWith(
                "certificate CN=SEV-Test (serial "
                    + ask.getSerialNumber().toString(16)
                    + ") is revoked since"),
        e.getMessage());

    X509CRL stale =
        TestPki.crl(
            "CN=ARK-Test", rootKey.getPrivate(), TestPki.T0, Instant.parse("2026-01-01T00:00:00Z"));
    e = assertThrows(ChainException.class, () -> v.verifyCrl(stale, root, AT));
    assertTrue(
        e.getMessage().contains("expired: its next update was due 2026-01-01T00:00:00Z"),
        e.getMessage());

    X509CRL forged = TestPki.crl("CN=ARK-Test", askKey.getPrivate(), TestPki.T0, TestPki.T1);
    e = assertThrows(ChainException.class, () -> v.verifyCrl(forged, root, AT));
    assertTrue(e.getMessage().contains("is not signed by CN=ARK-Test"), e.getMessage());

    X509CRL noNext = TestPki.crl("CN=ARK-Test", rootKey.getPrivate(), TestPki.T0, null);
    e = assertThrows(ChainException.class, () -> v.verifyCrl(noNext, root, AT));
    assertTrue(e.getMessage().contains("no next-update time"), e.getMessage());
  }

  @Test
  void readsPemAndDer() throws Exception {
    String pem =
        Certs.toPem(List.of(leaf, ask))
            + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assertEquals(List.of(leaf, ask), Certs.read(pem.getBytes()));
    assertEquals(leaf, Certs.readOne(leaf.getEncoded()));
    byte[] trailing = java.util.Arrays.copyOf(leaf.getEncoded(), leaf.getEncoded().length + 1);
    assertThrows(ChainException.class, () -> Certs.readOne(trailing));
    assertThrows(ChainException.class, () -> Certs.read("hello".getBytes()));
    assertEquals(64, Certs.sha256(root).length());
  }
}
