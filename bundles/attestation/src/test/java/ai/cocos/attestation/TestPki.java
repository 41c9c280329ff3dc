package ai.cocos.attestation;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A small PKI for tests: RSA-PSS and ECDSA CAs, leaves, CRLs, at chosen times. */
final class TestPki {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2030-01-01T00:00:00Z");
  private static final AtomicLong SERIAL = new AtomicLong(1);
  static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

  private TestPki() {}

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec(String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    return g.generateKeyPair();
  }

  static String alg(PrivateKey k) {
    return k.getAlgorithm().equals("RSA") ? "SHA384withRSAandMGF1" : "SHA384withECDSA";
  }

  static X509Certificate cert(
      String subject,
      PublicKey key,
      String issuer,
      PrivateKey issuerKey,
      boolean ca,
      Instant from,
      Instant to,
      Extension... extra)
      throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(SERIAL.getAndIncrement()),
            Date.from(from),
            Date.from(to),
            new X500Name(subject),
            key);
    if (ca) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    }
    for (Extension e : extra) {
      b.addExtension(e);
    }
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder(alg(issuerKey)).setProvider(BC).build(issuerKey)));
  }

  static Extension critical(String oid) throws Exception {
    return new Extension(
        new ASN1ObjectIdentifier(oid), true, new DEROctetString(new byte[] {5, 0}));
  }

  static X509CRL crl(
      String issuer, PrivateKey key, Instant thisUpdate, Instant nextUpdate, BigInteger... revoked)
      throws Exception {
    X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name(issuer), Date.from(thisUpdate));
    if (nextUpdate != null) {
      b.setNextUpdate(Date.from(nextUpdate));
    }
    for (BigInteger r : revoked) {
      b.addCRLEntry(r, Date.from(thisUpdate), 1);
    }
    return new JcaX509CRLConverter()
        .getCRL(b.build(new JcaContentSignerBuilder(alg(key)).setProvider(BC).build(key)));
  }
}
