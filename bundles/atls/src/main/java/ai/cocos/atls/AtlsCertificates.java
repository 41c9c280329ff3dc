package ai.cocos.atls;

import ai.cocos.atls.AtlsClaims.AtlsFormatException;
import ai.cocos.atls.internal.Der;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The attested-TLS certificate: self-signed by the agent's key, made for one connection, carrying
 * {@link AtlsClaims} in the non-critical extension {@link AtlsBinding#EXTENSION_OID}. Its issuer
 * and validity prove nothing (trust comes from the evidence, freshness from the nonce); they are
 * set so ordinary tools can display it: CN {@code cocos-atls}, valid from one hour before to one
 * hour after it is made, key usage digitalSignature (critical), extended key usage serverAuth, and
 * the connection's server name as its subject alternative name.
 *
 * <p>Built by hand in DER with the JDK's signature (ECDSA P-256 with SHA-256), so that making one
 * costs one signature and no certificate library is loaded.
 */
public final class AtlsCertificates {
  /** RFC 5758 §3.2: ecdsa-with-SHA256. */
  static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

  /** RFC 5280 §4.2.1.3: keyUsage. */
  static final String KEY_USAGE = "2.5.29.15";

  /** RFC 5280 §4.2.1.12: extKeyUsage. */
  static final String EXT_KEY_USAGE = "2.5.29.37";

  /** RFC 5280 §4.2.1.12: id-kp-serverAuth. */
  static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  /** RFC 5280 §4.2.1.6: subjectAltName. */
  static final String SUBJECT_ALT_NAME = "2.5.29.17";

  /** X.520 commonName. */
  static final String COMMON_NAME = "2.5.4.3";

  /** The subject and issuer common name. */
  public static final String SUBJECT = "cocos-atls";

  /** How far the validity reaches either side of the moment the certificate is made. */
  static final Duration VALIDITY = Duration.ofHours(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  private AtlsCertificates() {}

  /**
   * A new key pair for attested TLS: ECDSA on P-256, generated in this process.
   *
   * @return the key pair
   */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate P-256 keys", e);
    }
  }

  /**
   * Makes the certificate for one connection.
   *
   * @param keys the agent's TLS key pair (ECDSA P-256)
   * @param claims what the certificate carries
   * @param serverName the connection's server name, put in the subject alternative names
   * @param now when it is made
   * @return the certificate
   * @throws GeneralSecurityException if the key cannot sign
   */
  public static X509Certificate create(
      KeyPair keys, AtlsClaims claims, String serverName, Instant now)
      throws GeneralSecurityException {
    if (!(keys.getPublic() instanceof ECPublicKey)) {
      throw new GeneralSecurityException("attested TLS keys are ECDSA P-256");
    }
    byte[] serial = new byte[16];
    RANDOM.nextBytes(serial);
    serial[0] &= 0x7f; // positive
    serial[0] |= 0x40; // and 16 bytes long
    byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));
    byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(SUBJECT))));
    Instant from = now.minus(VALIDITY).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Instant to = now.plus(VALIDITY).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    byte[] keyUsage =
        Der.sequence(
            Der.oid(KEY_USAGE),
            Der.bool(true),
            // BIT STRING with bit 0 (digitalSignature) set: 7 unused bits, 0x80.
            Der.octets(Der.tlv(Der.BIT_STRING, new byte[] {7, (byte) 0x80})));
    byte[] extKeyUsage =
        Der.sequence(Der.oid(EXT_KEY_USAGE), Der.octets(Der.sequence(Der.oid(SERVER_AUTH))));
    byte[] extensions =
        Der.sequence(
            keyUsage,
            extKeyUsage,
            Der.sequence(
                Der.oid(SUBJECT_ALT_NAME),
                Der.octets(
                    Der.sequence(
                        Der.context(
                            2,
                            false,
                            serverName.getBytes(java.nio.charset.StandardCharsets.US_ASCII))))),
            Der.sequence(Der.oid(AtlsBinding.EXTENSION_OID), Der.octets(claims.encode())));
    byte[] tbs =
        Der.sequence(
            Der.context(0, true, Der.integer(BigInteger.TWO)), // version v3
            Der.integer(new BigInteger(1, serial)),
            algorithm,
            name,
            Der.sequence(Der.time(from), Der.time(to)),
            name,
            keys.getPublic().getEncoded(),
            Der.context(3, true, extensions));
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(keys.getPrivate());
    s.update(tbs);
    byte[] der = Der.sequence(tbs, algorithm, Der.bits(s.sign()));
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  /**
   * The claims a certificate carries.
   *
   * @param certificate the agent's certificate
   * @return the claims, or empty if the certificate has no attested-TLS extension
   * @throws AtlsFormatException if the extension is there but malformed
   */
  public static Optional<AtlsClaims> claims(X509Certificate certificate)
      throws AtlsFormatException {
    byte[] wrapped = certificate.getExtensionValue(AtlsBinding.EXTENSION_OID);
    if (wrapped == null) {
      return Optional.empty();
    }
    try {
      // getExtensionValue returns the DER OCTET STRING holding extnValue's contents.
      Der.Reader r = new Der.Reader(wrapped);
      byte[] value = r.read(Der.OCTET_STRING, "extension " + AtlsBinding.EXTENSION_OID);
      r.expectEnd("extension " + AtlsBinding.EXTENSION_OID);
      return Optional.of(AtlsClaims.decode(value));
    } catch (Der.DerException e) {
      throw new AtlsFormatException(e.getMessage());
    }
  }

  /**
   * Parses a certificate (for tests and tools that record one).
   *
   * @param der its DER
   * @return the certificate
   * @throws CertificateException if it does not parse
   */
  public static X509Certificate parse(byte[] der) throws CertificateException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }
}
