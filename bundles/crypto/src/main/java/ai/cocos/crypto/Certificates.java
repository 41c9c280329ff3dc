package ai.cocos.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * X.509 certificates for Cocos's TLS (agent, manager, tests): a self-signed CA, leaf certificates
 * it issues with DNS and IP subject alternative names, PEM reading and writing, and an {@link
 * SSLContext} from them.
 *
 * <p>Keys may be of any type Cocos accepts ({@link PemKeys#checkAccepted}). Signatures: RSA with
 * SHA-256 (PKCS#1 v1.5), ECDSA P-256 with SHA-256, ECDSA P-384 with SHA-384, Ed25519. Serial
 * numbers are random, positive and 128 bits long. Validity starts five minutes in the past, to
 * tolerate clock skew between host and confidential VM.
 */
public final class Certificates {
  /** How far in the past validity starts. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private Certificates() {}

  /**
   * Creates a self-signed CA certificate: basic constraints CA (critical), key usage certificate
   * and CRL signing (critical), subject key identifier.
   *
   * @param cn the common name, e.g. {@code "Cocos CA"}
   * @param keys the CA's key pair
   * @param validity how long the certificate is valid from now
   * @return the certificate
   * @throws KeyFormatException if the key is not of an accepted type
   */
  public static X509Certificate selfSignedCa(String cn, KeyPair keys, Duration validity)
      throws KeyFormatException {
    X500Name name = cnName(cn);
    Instant now = Instant.now();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name, serial(), notBefore(now), notAfter(now, validity), name, keys.getPublic());
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build CA certificate extensions", e);
    }
    return sign(b, keys.getPrivate(), keys.getPublic());
  }

  /**
   * Issues a leaf certificate for TLS servers and clients: basic constraints not-a-CA (critical),
   * key usage digital signature (plus key encipherment for RSA keys; critical), extended key usage
   * server and client authentication, subject alternative names for the DNS names and IP addresses,
   * subject and authority key identifiers.
   *
   * @param ca the issuing CA's certificate
   * @param caKey the issuing CA's private key
   * @param cn the subject's common name
   * @param subjectKey the subject's public key
   * @param dnsNames DNS names for the subject alternative name extension (may be empty)
   * @param ipAddresses IP addresses for the subject alternative name extension (may be empty)
   * @param validity how long the certificate is valid from now
   * @return the certificate
   * @throws KeyFormatException if a key is not of an accepted type
   */
  public static X509Certificate issue(
      X509Certificate ca,
      PrivateKey caKey,
      String cn,
      PublicKey subjectKey,
      Collection<String> dnsNames,
      Collection<InetAddress> ipAddresses,
      Duration validity)
      throws KeyFormatException {
    PemKeys.checkAccepted(subjectKey);
    Instant now = Instant.now();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            ca, serial(), notBefore(now), notAfter(now, validity), cnName(cn), subjectKey);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      int usage = KeyUsage.digitalSignature;
      if (subjectKey.getAlgorithm().equals("RSA")) {
        usage |= KeyUsage.keyEncipherment;
      }
      b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      List<GeneralName> sans = new ArrayList<>();
      for (String dns : dnsNames) {
        sans.add(new GeneralName(GeneralName.dNSName, Objects.requireNonNull(dns, "DNS name")));
      }
      for (InetAddress ip : ipAddresses) {
        sans.add(new GeneralName(GeneralName.iPAddress, ip.getHostAddress()));
      }
      if (!sans.isEmpty()) {
        // Critical only when the subject is empty (RFC 5280 4.2.1.6); here a CN is always present.
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build certificate extensions", e);
    }
    return sign(b, caKey, ca.getPublicKey());
  }

  /**
   * Reads every {@code CERTIFICATE} block of a PEM text (a chain or a CA bundle), in order. Other
   * blocks, such as a private key in the same file, are skipped.
   *
   * @param pem the PEM text
   * @return the certificates, at least one
   * @throws CertificateFormatException if the text holds no certificate or a malformed one
   */
  public static List<X509Certificate> parsePem(String pem) throws CertificateFormatException {
    if (pem == null || pem.isBlank()) {
      throw new CertificateFormatException("empty certificate PEM");
    }
    List<X509Certificate> certs = new ArrayList<>();
    try (PemReader r = new PemReader(new StringReader(pem))) {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int index = 0;
      for (PemObject o = r.readPemObject(); o != null; o = r.readPemObject()) {
        index++;
        if (!o.getType().equals("CERTIFICATE")) {
          continue;
        }
        try {
          certs.add(
              (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(o.getContent())));
        } catch (CertificateException e) {
          throw new CertificateFormatException(
              "PEM block " + index + " is not a valid X.509 certificate: " + e.getMessage(), e);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new CertificateFormatException(
          "malformed PEM (broken base64 or missing -----END line): " + e.getMessage(), e);
    } catch (CertificateException e) {
      throw new IllegalStateException("no X.509 certificate factory", e);
    }
    if (certs.isEmpty()) {
      throw new CertificateFormatException("no -----BEGIN CERTIFICATE----- block in the PEM text");
    }
    return List.copyOf(certs);
  }

  /**
   * Writes a certificate as PEM ({@code CERTIFICATE}).
   *
   * @param cert the certificate
   * @return the PEM text
   */
  public static String toPem(X509Certificate cert) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(new PemObject("CERTIFICATE", cert.getEncoded()));
    } catch (IOException | java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode certificate", e);
    }
    return w.toString();
  }

  /**
   * Builds a TLS context from a key, its certificate chain and the certificates to trust.
   *
   * @param key the private key, or {@code null} for a client without a certificate
   * @param chain the key's certificate first, then its issuers (the CA may be left out); empty when
   *     {@code key} is {@code null}
   * @param trusted the CA certificates peers must chain to; at least one
   * @return a {@code "TLS"} context (TLS 1.3 and 1.2 on JDK 17)
   */
  public static SSLContext sslContext(
      PrivateKey key, List<X509Certificate> chain, Collection<X509Certificate> trusted) {
    if (trusted.isEmpty()) {
      throw new IllegalArgumentException("no trusted certificates: give at least the CA");
    }
    try {
      char[] none = new char[0];
      KeyManagerFactory kmf = null;
      if (key != null) {
        if (chain.isEmpty()) {
          throw new IllegalArgumentException("a key needs its certificate chain");
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", key, none, chain.toArray(X509Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
      }
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      int i = 0;
      for (X509Certificate c : trusted) {
        ts.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key, PublicKey pub)
      throws KeyFormatException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(pub)).build(key);
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (OperatorCreationException | CertificateException e) {
      throw new KeyFormatException(
          "cannot sign the certificate with this key: " + e.getMessage(), e);
    }
  }

  private static String signatureAlgorithm(PublicKey issuerKey) throws KeyFormatException {
    String d = PemKeys.describe(PemKeys.checkAccepted(issuerKey));
    if (d.startsWith("RSA-")) {
      return "SHA256withRSA";
    }
    return switch (d) {
      case "ECDSA P-256" -> "SHA256withECDSA";
      case "ECDSA P-384" -> "SHA384withECDSA";
      default -> "Ed25519";
    };
  }

  private static X500Name cnName(String cn) {
    if (cn == null || cn.isBlank()) {
      throw new IllegalArgumentException("a certificate needs a common name");
    }
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
  }

  private static BigInteger serial() {
    BigInteger s;
    do {
      s = new BigInteger(128, RANDOM);
    } while (s.signum() == 0);
    return s;
  }

  private static Date notBefore(Instant now) {
    return Date.from(now.minus(BACKDATE));
  }

  private static Date notAfter(Instant now, Duration validity) {
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("validity must be positive, got " + validity);
    }
    return Date.from(now.plus(validity));
  }
}
