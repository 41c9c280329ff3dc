package ai.cocos.manifest.internal;

import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Signatures;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Reads the PEM material of a manifest (public keys, certificates, the agent's private key) and
 * normalises it to one spelling. Messages name the problem and never quote key text.
 */
public final class KeyMaterial {
  private static final String CERTIFICATE = "CERTIFICATE";
  private static final String EC_PARAMETERS = "EC PARAMETERS";
  private static final Set<String> PUBLIC_LABELS = Set.of("PUBLIC KEY", "RSA PUBLIC KEY");
  private static final Set<String> PRIVATE_LABELS =
      Set.of("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY");
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyMaterial() {}

  /** The material is unusable; the message says why, phrased to follow a field name. */
  public static final class BadMaterialException extends Exception {
    private static final long serialVersionUID = 1L;

    BadMaterialException(String message) {
      super(message);
    }
  }

  /**
   * Certificates read from PEM.
   *
   * @param chain the certificates in order
   * @param pem their standard PEM text, one block per certificate
   */
  public record Certificates(List<X509Certificate> chain, String pem) {}

  /**
   * A private key read from PEM.
   *
   * @param pair the key and its public half
   * @param pem the key as standard unencrypted PKCS#8 PEM ({@code PRIVATE KEY})
   */
  public record PrivateKeyPem(KeyPair pair, String pem) {
    /** Never prints the key. */
    @Override
    public String toString() {
      return "PrivateKeyPem[(redacted)]";
    }
  }

  /**
   * Reads a public key of an accepted type and size: one {@code PUBLIC KEY} (SPKI) or {@code RSA
   * PUBLIC KEY} (PKCS#1) block.
   *
   * @param text the PEM text
   * @return the key as SPKI DER with its standard PEM
   * @throws BadMaterialException naming the problem
   */
  public static PublicKeyPem publicKey(String text) throws BadMaterialException {
    List<PemText.Block> blocks = blocks(text, "a PEM public key (-----BEGIN PUBLIC KEY-----)");
    if (blocks.size() != 1) {
      throw new BadMaterialException(
          "expected one PEM public key, found " + blocks.size() + " PEM blocks");
    }
    PemText.Block b = blocks.get(0);
    if (!PUBLIC_LABELS.contains(b.label())) {
      String hint =
          b.label().contains("PRIVATE")
              ? ": a manifest names public keys only, never put a private key in it"
              : "";
      throw new BadMaterialException(
          "expected a PEM public key (PUBLIC KEY), found a "
              + Text.quote(b.label())
              + " block"
              + hint);
    }
    try {
      PublicKey key = PemKeys.parsePublicKey(PemText.encode(b.label(), b.der()));
      return PublicKeyPem.of(key.getEncoded());
    } catch (KeyFormatException e) {
      throw new BadMaterialException(e.getMessage());
    }
  }

  /**
   * Reads one or more X.509 certificates.
   *
   * @param text the PEM text
   * @return the certificates and their standard PEM
   * @throws BadMaterialException naming the problem and the block
   */
  public static Certificates certificates(String text) throws BadMaterialException {
    List<PemText.Block> blocks = blocks(text, "PEM certificates (-----BEGIN CERTIFICATE-----)");
    List<X509Certificate> chain = new ArrayList<>();
    StringBuilder pem = new StringBuilder();
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("this JDK cannot read X.509 certificates", e);
    }
    for (int i = 0; i < blocks.size(); i++) {
      PemText.Block b = blocks.get(i);
      String name = "PEM block " + (i + 1);
      if (!b.label().equals(CERTIFICATE)) {
        throw new BadMaterialException(
            name + " is a " + Text.quote(b.label()) + ", expected a 'CERTIFICATE'");
      }
      X509Certificate cert;
      try {
        cert = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der()));
        if (!Arrays.equals(cert.getEncoded(), b.der())) {
          throw new BadMaterialException(name + " has bytes after the certificate");
        }
      } catch (CertificateException | ClassCastException e) {
        throw new BadMaterialException(name + " is not a readable X.509 certificate");
      }
      chain.add(cert);
      pem.append(PemText.encode(CERTIFICATE, b.der()));
    }
    return new Certificates(List.copyOf(chain), pem.toString());
  }

  /**
   * Reads an unencrypted private key of an accepted type and size: PKCS#8 ({@code PRIVATE KEY}),
   * SEC1 ({@code EC PRIVATE KEY}, optionally after an {@code EC PARAMETERS} block) or PKCS#1
   * ({@code RSA PRIVATE KEY}).
   *
   * @param text the PEM text
   * @return the key pair and the key as standard PKCS#8 PEM
   * @throws BadMaterialException naming the problem, never quoting the key
   */
  public static PrivateKeyPem privateKey(String text) throws BadMaterialException {
    List<PemText.Block> all = blocks(text, "a PEM private key (-----BEGIN PRIVATE KEY-----)");
    List<PemText.Block> keys = new ArrayList<>();
    for (PemText.Block b : all) {
      if (!b.label().equals(EC_PARAMETERS)) {
        keys.add(b);
      }
    }
    if (keys.size() != 1) {
      throw new BadMaterialException(
          "expected one PEM private key, found " + keys.size() + " PEM blocks");
    }
    PemText.Block b = keys.get(0);
    if (b.label().equals("ENCRYPTED PRIVATE KEY")) {
      throw new BadMaterialException(
          "is an encrypted private key: the agent needs it unencrypted"
              + " (openssl pkey -in key.pem -out plain.pem)");
    }
    if (!PRIVATE_LABELS.contains(b.label())) {
      throw new BadMaterialException(
          "expected a PEM private key (PRIVATE KEY), found a " + Text.quote(b.label()) + " block");
    }
    // Re-encoded blocks only (any text between them dropped); an EC PARAMETERS block before a
    // SEC1 key names its curve, so it goes along.
    StringBuilder clean = new StringBuilder();
    for (PemText.Block block : all) {
      clean.append(PemText.encode(block.label(), block.der()));
    }
    try {
      KeyPair pair = PemKeys.parsePrivateKey(clean.toString());
      return new PrivateKeyPem(pair, PemText.encode("PRIVATE KEY", pair.getPrivate().getEncoded()));
    } catch (KeyFormatException e) {
      // PemKeys' messages never quote the key; its cause is dropped on purpose.
      throw new BadMaterialException(e.getMessage());
    }
  }

  /**
   * Whether a private key belongs to a certificate: signs a random challenge with the key and
   * verifies it with the certificate's public key, which works whatever the two encodings are.
   *
   * @param pair the key pair
   * @param cert the certificate
   * @return {@code true} if the certificate's key verifies the key's signature
   */
  public static boolean belongsTo(KeyPair pair, X509Certificate cert) {
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    try {
      byte[] sig = Signatures.sign(pair.getPrivate(), challenge);
      return Signatures.verify(cert.getPublicKey(), challenge, sig);
    } catch (KeyFormatException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Re-encodes PEM certificates in the standard layout (for the canonical form).
   *
   * @param text PEM certificates
   * @return the standard PEM text
   * @throws IllegalArgumentException if the text is not PEM certificates
   */
  public static String normaliseCertificates(String text) {
    try {
      List<PemText.Block> blocks = PemText.read(text);
      if (blocks.isEmpty()) {
        throw new IllegalArgumentException("no PEM certificate");
      }
      StringBuilder pem = new StringBuilder();
      for (PemText.Block b : blocks) {
        if (!b.label().equals(CERTIFICATE)) {
          throw new IllegalArgumentException(
              "a " + Text.quote(b.label()) + " block among certificates");
        }
        pem.append(PemText.encode(CERTIFICATE, b.der()));
      }
      return pem.toString();
    } catch (PemText.PemException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static List<PemText.Block> blocks(String text, String expected)
      throws BadMaterialException {
    List<PemText.Block> blocks;
    try {
      blocks = PemText.read(text);
    } catch (PemText.PemException e) {
      throw new BadMaterialException(e.getMessage());
    }
    if (blocks.isEmpty()) {
      throw new BadMaterialException(
          "expected " + expected + ", found no PEM block (no -----BEGIN line)");
    }
    return blocks;
  }
}
