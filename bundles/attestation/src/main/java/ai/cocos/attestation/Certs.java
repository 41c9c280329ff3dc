package ai.cocos.attestation;

import ai.cocos.attestation.internal.Der;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads X.509 certificates and CRLs in DER or PEM with the JDK alone (no BouncyCastle, so the CLI
 * loads little), and computes the fingerprints policies pin.
 */
public final class Certs {
  private static final String BEGIN = "-----BEGIN ";

  private Certs() {}

  /**
   * Reads certificates: one DER certificate, or every {@code CERTIFICATE} block of a PEM text
   * (other blocks are skipped), in order.
   *
   * @param bytes DER or PEM bytes
   * @return at least one certificate
   * @throws ChainException if there is none or one is malformed
   */
  public static List<X509Certificate> read(byte[] bytes) throws ChainException {
    List<X509Certificate> out = new ArrayList<>();
    for (byte[] der : blocks(bytes, "CERTIFICATE")) {
      out.add(parse(der));
    }
    if (out.isEmpty()) {
      throw new ChainException("no certificate found (expected DER or PEM CERTIFICATE blocks)");
    }
    return List.copyOf(out);
  }

  /**
   * Reads exactly one certificate.
   *
   * @param bytes DER or PEM bytes
   * @return the certificate
   * @throws ChainException if there is not exactly one or it is malformed
   */
  public static X509Certificate readOne(byte[] bytes) throws ChainException {
    List<X509Certificate> l = read(bytes);
    if (l.size() != 1) {
      throw new ChainException("expected one certificate, found " + l.size());
    }
    return l.get(0);
  }

  /**
   * Parses one DER certificate, rejecting trailing bytes.
   *
   * @param der the DER bytes
   * @return the certificate
   * @throws ChainException if malformed
   */
  public static X509Certificate parse(byte[] der) throws ChainException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      ByteArrayInputStream in = new ByteArrayInputStream(der);
      X509Certificate c = (X509Certificate) cf.generateCertificate(in);
      if (in.available() != 0 || !MessageDigest.isEqual(c.getEncoded(), der)) {
        throw new ChainException("certificate has bytes after its DER encoding");
      }
      if (!Der.signatureBitsAligned(der)) {
        throw new ChainException(
            "malformed X.509 certificate: the signature BIT STRING has" + " unused bits");
      }
      return c;
    } catch (CertificateException e) {
      throw new ChainException("malformed X.509 certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a CRL in DER or PEM ({@code X509 CRL}).
   *
   * @param bytes the CRL
   * @return the CRL
   * @throws ChainException if malformed
   */
  public static X509CRL readCrl(byte[] bytes) throws ChainException {
    List<byte[]> b = blocks(bytes, "X509 CRL");
    if (b.size() != 1) {
      throw new ChainException("expected one CRL, found " + b.size());
    }
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      if (!Der.signatureBitsAligned(b.get(0))) {
        throw new ChainException("malformed CRL: the signature BIT STRING has unused bits");
      }
      return (X509CRL) cf.generateCRL(new ByteArrayInputStream(b.get(0)));
    } catch (CertificateException | CRLException e) {
      throw new ChainException("malformed CRL: " + e.getMessage(), e);
    }
  }

  /**
   * The SHA-256 of a certificate's DER encoding: what {@code roots} allow-lists pin.
   *
   * @param cert the certificate
   * @return 64 lower-case hex digits
   */
  public static String sha256(X509Certificate cert) {
    try {
      return sha256(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("certificate cannot be encoded", e);
    }
  }

  /**
   * The SHA-256 of bytes, in hex.
   *
   * @param bytes the bytes
   * @return 64 lower-case hex digits
   */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing", e);
    }
  }

  /**
   * A certificate's DER bytes.
   *
   * @param cert the certificate
   * @return the encoding
   */
  public static byte[] der(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("certificate cannot be encoded", e);
    }
  }

  /**
   * Writes certificates as PEM.
   *
   * @param certs the certificates
   * @return PEM text with one {@code CERTIFICATE} block each
   */
  public static String toPem(List<X509Certificate> certs) {
    StringBuilder b = new StringBuilder();
    Base64.Encoder enc = Base64.getMimeEncoder(64, new byte[] {'\n'});
    for (X509Certificate c : certs) {
      b.append("-----BEGIN CERTIFICATE-----\n")
          .append(enc.encodeToString(der(c)))
          .append("\n-----END CERTIFICATE-----\n");
    }
    return b.toString();
  }

  /** DER blocks: the input itself if it is not PEM, else the base64 bodies of blocks of a type. */
  private static List<byte[]> blocks(byte[] bytes, String type) throws ChainException {
    if (bytes.length == 0) {
      throw new ChainException("empty certificate data");
    }
    if (bytes[0] == 0x30) {
      return List.of(bytes);
    }
    String text = new String(bytes, StandardCharsets.US_ASCII);
    List<byte[]> out = new ArrayList<>();
    int at = 0;
    while ((at = text.indexOf(BEGIN, at)) >= 0) {
      int typeEnd = text.indexOf("-----", at + BEGIN.length());
      if (typeEnd < 0) {
        throw new ChainException("malformed PEM: a BEGIN line is not closed");
      }
      String t = text.substring(at + BEGIN.length(), typeEnd);
      String end = "-----END " + t + "-----";
      int bodyStart = typeEnd + 5;
      int bodyEnd = text.indexOf(end, bodyStart);
      if (bodyEnd < 0) {
        throw new ChainException("malformed PEM: no '" + end + "' line");
      }
      if (t.equals(type)) {
        String body = text.substring(bodyStart, bodyEnd).replaceAll("\\s", "");
        try {
          out.add(Base64.getDecoder().decode(body));
        } catch (IllegalArgumentException e) {
          throw new ChainException("malformed PEM: broken base64 in a " + t + " block");
        }
      }
      at = bodyEnd + end.length();
    }
    if (out.isEmpty() && text.indexOf(BEGIN) < 0) {
      throw new ChainException("neither DER nor PEM " + type + " data");
    }
    return out;
  }
}
