package ai.cocos.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Certificates validate with the JDK's PKIX, openssl reads them, and TLS 1.3 works with them. */
class CertificatesTest {
  private static final Duration DAY = Duration.ofDays(1);
  private static ExecutorService executor;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    executor = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stop() {
    executor.shutdownNow();
  }

  static KeyPair keys(String kind) throws Exception {
    return switch (kind) {
      case "rsa" -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        yield g.generateKeyPair();
      }
      case "p256" -> PemKeys.generate(KeyType.ECDSA);
      case "p384" -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        yield g.generateKeyPair();
      }
      case "ed25519" -> PemKeys.generate(KeyType.ED25519);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  /** A CA, and a leaf it issued for localhost / 127.0.0.1 / ::1. */
  record Pki(KeyPair caKeys, X509Certificate ca, KeyPair leafKeys, X509Certificate leaf) {}

  static Pki pki(String kind, String cn) throws Exception {
    KeyPair caKeys = keys(kind);
    X509Certificate ca = Certificates.selfSignedCa(cn + " CA", caKeys, DAY);
    KeyPair leafKeys = keys(kind);
    X509Certificate leaf =
        Certificates.issue(
            ca,
            caKeys.getPrivate(),
            cn,
            leafKeys.getPublic(),
            List.of("localhost", "agent.cocos.internal"),
            List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
            DAY);
    return new Pki(caKeys, ca, leafKeys, leaf);
  }

  static void validate(X509Certificate leaf, X509Certificate anchor) throws Exception {
    var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(path, params);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "p256", "p384", "ed25519"})
  void chainValidatesWithPkix(String kind) throws Exception {
    Pki p = pki(kind, "agent");
    validate(p.leaf(), p.ca());
    assertThrows(
        CertPathValidatorException.class, () -> validate(p.leaf(), pki(kind, "other").ca()));

    assertEquals(Integer.MAX_VALUE, p.ca().getBasicConstraints(), "CA without path length limit");
    assertEquals(-1, p.leaf().getBasicConstraints(), "leaf is not a CA");
    assertTrue(p.ca().getKeyUsage()[5], "keyCertSign");
    assertTrue(p.leaf().getKeyUsage()[0], "digitalSignature");
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), p.leaf().getExtendedKeyUsage());
    assertEquals(p.ca().getSubjectX500Principal(), p.leaf().getIssuerX500Principal());
    assertEquals("CN=agent", p.leaf().getSubjectX500Principal().getName());
    var sans = p.leaf().getSubjectAlternativeNames();
    assertTrue(sans.contains(List.of(2, "localhost")), sans.toString());
    assertTrue(sans.contains(List.of(2, "agent.cocos.internal")), sans.toString());
    assertTrue(sans.contains(List.of(7, "127.0.0.1")), sans.toString());
    assertTrue(sans.contains(List.of(7, "0:0:0:0:0:0:0:1")), sans.toString());
    for (X509Certificate c : List.of(p.ca(), p.leaf())) {
      assertTrue(c.getSerialNumber().signum() > 0);
      assertTrue(c.getSerialNumber().bitLength() <= 128);
      c.checkValidity();
    }
    assertNotEquals(p.ca().getSerialNumber(), p.leaf().getSerialNumber());
  }

  @Test
  void pemRoundTripAndOpensslAgrees() throws Exception {
    Pki p = pki("p256", "agent");
    String chain = Certificates.toPem(p.leaf()) + Certificates.toPem(p.ca());
    assertTrue(chain.startsWith("-----BEGIN CERTIFICATE-----\n"), chain);
    List<X509Certificate> back = Certificates.parsePem(chain);
    assertEquals(List.of(p.leaf(), p.ca()), back);

    Files.writeString(tmp.resolve("ca.pem"), Certificates.toPem(p.ca()));
    Files.writeString(tmp.resolve("leaf.pem"), Certificates.toPem(p.leaf()));
    String verify =
        new String(
            Tools.openssl(tmp, "verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"),
            StandardCharsets.UTF_8);
    assertTrue(verify.contains("leaf.pem: OK"), verify);
    String text =
        new String(
            Tools.openssl(tmp, "x509", "-in", "leaf.pem", "-noout", "-text"),
            StandardCharsets.UTF_8);
    assertTrue(
        text.contains(
            "DNS:localhost, DNS:agent.cocos.internal, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
        text);
    assertTrue(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"), text);

    // And a certificate openssl made, in a file that also holds its key.
    Tools.openssl(
        tmp,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-nodes",
        "-subj",
        "/CN=from openssl",
        "-days",
        "1",
        "-keyout",
        "o.key",
        "-out",
        "o.crt");
    String both = Files.readString(tmp.resolve("o.key")) + Files.readString(tmp.resolve("o.crt"));
    List<X509Certificate> certs = Certificates.parsePem(both);
    assertEquals(1, certs.size());
    assertEquals("CN=from openssl", certs.get(0).getSubjectX500Principal().getName());
    assertArrayEquals(
        PemKeys.parsePrivateKey(both).getPublic().getEncoded(),
        certs.get(0).getPublicKey().getEncoded());
  }

  @Test
  void refusesWhatIsNotACertificate() throws Exception {
    assertTrue(
        assertThrows(CertificateFormatException.class, () -> Certificates.parsePem(" "))
            .getMessage()
            .contains("empty"));
    String key = PemKeys.toPem(PemKeys.generate(KeyType.ED25519).getPublic());
    assertTrue(
        assertThrows(CertificateFormatException.class, () -> Certificates.parsePem(key))
            .getMessage()
            .contains("no -----BEGIN CERTIFICATE----- block"));
    String bad = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    CertificateFormatException e =
        assertThrows(CertificateFormatException.class, () -> Certificates.parsePem(key + bad));
    assertTrue(
        e.getMessage().startsWith("PEM block 2 is not a valid X.509 certificate"), e.getMessage());
    assertThrows(
        CertificateFormatException.class,
        () -> Certificates.parsePem("-----BEGIN CERTIFICATE-----\nMAMC\n"));
    KeyPair dsa = KeyPairGenerator.getInstance("DSA").generateKeyPair();
    assertThrows(KeyFormatException.class, () -> Certificates.selfSignedCa("x", dsa, DAY));
    assertThrows(
        IllegalArgumentException.class,
        () -> Certificates.selfSignedCa("x", keys("p256"), Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> Certificates.selfSignedCa(" ", keys("p256"), DAY));
  }

  /** Runs one mutual-TLS 1.3 exchange; returns what the client read. */
  private String handshake(SSLContext server, SSLContext client, String host) throws Exception {
    try (SSLServerSocket ss =
        (SSLServerSocket) server.getServerSocketFactory().createServerSocket()) {
      ss.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
      ss.setEnabledProtocols(new String[] {"TLSv1.3"});
      ss.setNeedClientAuth(true);
      ss.setSoTimeout(10_000);
      Future<String> served =
          executor.submit(
              () -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                  s.setSoTimeout(10_000);
                  s.startHandshake();
                  OutputStream out = s.getOutputStream();
                  out.write(s.getSession().getProtocol().getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  return s.getSession().getPeerPrincipal().getName();
                }
              });
      String protocol;
      try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket()) {
        // The name the client connects to is the one checked against the server's SANs.
        InetAddress named = InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1});
        c.connect(new InetSocketAddress(named, ss.getLocalPort()), 10_000);
        c.setSoTimeout(10_000);
        c.setEnabledProtocols(new String[] {"TLSv1.3"});
        SSLParameters params = c.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // checks the SAN against the host name
        c.setSSLParameters(params);
        InputStream in = c.getInputStream();
        protocol = new String(in.readNBytes(7), StandardCharsets.US_ASCII);
      } catch (IOException e) {
        served.cancel(true);
        throw e;
      }
      // Only after the client closed: a TLS 1.3 close waits for the peer's close_notify.
      assertEquals("CN=client", served.get(10, TimeUnit.SECONDS));
      return protocol;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "p256", "p384", "ed25519"})
  void mutualTls13HandshakeSucceedsAndFailsWithAnotherCa(String kind) throws Exception {
    Pki p = pki(kind, "agent");
    KeyPair clientKeys = keys(kind);
    X509Certificate clientCert =
        Certificates.issue(
            p.ca(),
            p.caKeys().getPrivate(),
            "client",
            clientKeys.getPublic(),
            List.of(),
            List.of(),
            DAY);
    SSLContext server =
        Certificates.sslContext(p.leafKeys().getPrivate(), List.of(p.leaf()), List.of(p.ca()));
    SSLContext client =
        Certificates.sslContext(clientKeys.getPrivate(), List.of(clientCert), List.of(p.ca()));
    assertEquals("TLSv1.3", handshake(server, client, "localhost"));

    // A client that trusts another CA refuses the server.
    Pki other = pki(kind, "other");
    SSLContext distrusting =
        Certificates.sslContext(clientKeys.getPrivate(), List.of(clientCert), List.of(other.ca()));
    assertThrows(SSLHandshakeException.class, () -> handshake(server, distrusting, "localhost"));
  }

  @Test
  void serverRefusesAClientFromAnotherCaAndClientChecksTheName() throws Exception {
    Pki p = pki("p256", "agent");
    SSLContext server =
        Certificates.sslContext(p.leafKeys().getPrivate(), List.of(p.leaf()), List.of(p.ca()));
    Pki other = pki("p256", "client");
    X509Certificate foreign =
        Certificates.issue(
            other.ca(),
            other.caKeys().getPrivate(),
            "client",
            other.leafKeys().getPublic(),
            List.of(),
            List.of(),
            DAY);
    SSLContext stranger =
        Certificates.sslContext(other.leafKeys().getPrivate(), List.of(foreign), List.of(p.ca()));
    // In TLS 1.3 the client finishes first; the server's refusal arrives as an alert.
    javax.net.ssl.SSLException e =
        assertThrows(
            javax.net.ssl.SSLException.class, () -> handshake(server, stranger, "localhost"));
    assertTrue(
        e.getMessage().contains("bad_certificate")
            || e.getMessage().contains("certificate_unknown"),
        e.getMessage());

    X509Certificate clientCert =
        Certificates.issue(
            p.ca(),
            p.caKeys().getPrivate(),
            "client",
            other.leafKeys().getPublic(),
            List.of(),
            List.of(),
            DAY);
    SSLContext client =
        Certificates.sslContext(
            other.leafKeys().getPrivate(), List.of(clientCert), List.of(p.ca()));
    assertThrows(
        SSLHandshakeException.class, () -> handshake(server, client, "not-in-the-san.example"));
  }
}
