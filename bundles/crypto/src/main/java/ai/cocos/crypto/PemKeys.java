package ai.cocos.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Reads, writes and generates keys of the types Cocos accepts: RSA of at least 2048 bits, ECDSA on
 * P-256 or P-384, and Ed25519. Anything else is refused with a message naming what was found.
 */
public final class PemKeys {
  /** The smallest RSA modulus accepted. */
  public static final int MIN_RSA_BITS = 2048;

  private static final JcaPEMKeyConverter CONVERTER = new JcaPEMKeyConverter();

  private PemKeys() {}

  /**
   * Parses a PEM public key: {@code PUBLIC KEY} (SPKI) or {@code RSA PUBLIC KEY} (PKCS#1).
   *
   * @param pem the PEM text
   * @return the key, of an accepted type and size
   * @throws KeyFormatException naming what is wrong
   */
  public static PublicKey parsePublicKey(String pem) throws KeyFormatException {
    Object o = readPem(pem, "public key");
    try {
      PublicKey key;
      if (o instanceof SubjectPublicKeyInfo spki) {
        key = CONVERTER.getPublicKey(spki);
      } else if (o instanceof org.bouncycastle.asn1.pkcs.RSAPublicKey rsa) {
        key =
            KeyFactory.getInstance("RSA")
                .generatePublic(
                    new java.security.spec.RSAPublicKeySpec(
                        rsa.getModulus(), rsa.getPublicExponent()));
      } else {
        throw new KeyFormatException("expected a PEM public key, found " + describePem(o));
      }
      return checkAccepted(key);
    } catch (IOException | GeneralSecurityException e) {
      throw new KeyFormatException("unreadable public key: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a DER-encoded SubjectPublicKeyInfo (the form CocosAI's protocol carries keys in).
   *
   * @param der the encoded key
   * @return the key, of an accepted type and size
   * @throws KeyFormatException naming what is wrong
   */
  public static PublicKey parsePublicKey(byte[] der) throws KeyFormatException {
    try {
      SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(der);
      return checkAccepted(CONVERTER.getPublicKey(spki));
    } catch (IOException | IllegalArgumentException e) {
      throw new KeyFormatException("unreadable public key (DER SubjectPublicKeyInfo expected)", e);
    }
  }

  /**
   * Parses a PEM private key: PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#1
   * ({@code RSA PRIVATE KEY}). Encrypted keys are refused.
   *
   * @param pem the PEM text
   * @return the key pair (the public half derived from the private key)
   * @throws KeyFormatException naming what is wrong, never quoting the key
   */
  public static KeyPair parsePrivateKey(String pem) throws KeyFormatException {
    Object o = readPem(pem, "private key");
    try {
      KeyPair pair;
      if (o instanceof PEMKeyPair kp) {
        pair = CONVERTER.getKeyPair(kp);
      } else if (o instanceof PrivateKeyInfo info) {
        PrivateKey priv = CONVERTER.getPrivateKey(info);
        pair = new KeyPair(derivePublic(info, priv), priv);
      } else {
        throw new KeyFormatException(
            "expected an unencrypted PEM private key, found " + describePem(o));
      }
      checkAccepted(pair.getPublic());
      return pair;
    } catch (IOException | GeneralSecurityException e) {
      throw new KeyFormatException("unreadable private key", e);
    }
  }

  private static PublicKey derivePublic(PrivateKeyInfo info, PrivateKey priv)
      throws GeneralSecurityException, IOException {
    if (priv instanceof java.security.interfaces.RSAPrivateCrtKey rsa) {
      return KeyFactory.getInstance("RSA")
          .generatePublic(
              new java.security.spec.RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
    }
    // BouncyCastle derives the public key of EC and Ed25519 private keys.
    var bcKey = org.bouncycastle.crypto.util.PrivateKeyFactory.createKey(info);
    org.bouncycastle.crypto.params.AsymmetricKeyParameter pub;
    if (bcKey instanceof org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters ed) {
      pub = ed.generatePublicKey();
    } else if (bcKey instanceof org.bouncycastle.crypto.params.ECPrivateKeyParameters ec) {
      var q = ec.getParameters().getG().multiply(ec.getD()).normalize();
      pub = new org.bouncycastle.crypto.params.ECPublicKeyParameters(q, ec.getParameters());
    } else {
      throw new GeneralSecurityException("unsupported private key " + priv.getAlgorithm());
    }
    SubjectPublicKeyInfo spki =
        org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pub);
    if (bcKey instanceof org.bouncycastle.crypto.params.ECPrivateKeyParameters) {
      // Keep the named curve from the private key's algorithm identifier.
      spki =
          new SubjectPublicKeyInfo(
              info.getPrivateKeyAlgorithm(), spki.getPublicKeyData().getBytes());
    }
    return KeyFactory.getInstance(priv.getAlgorithm())
        .generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
  }

  private static Object readPem(String pem, String what) throws KeyFormatException {
    if (pem == null || pem.isBlank()) {
      throw new KeyFormatException("empty " + what);
    }
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (o == null) {
        throw new KeyFormatException("not PEM: no -----BEGIN ...----- block in the " + what);
      }
      return o;
    } catch (IOException e) {
      throw new KeyFormatException("malformed PEM " + what + ": " + e.getMessage(), e);
    }
  }

  private static String describePem(Object o) {
    if (o instanceof org.bouncycastle.openssl.PEMEncryptedKeyPair
        || o instanceof org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo) {
      return "an encrypted private key (decrypt it first)";
    }
    if (o instanceof org.bouncycastle.cert.X509CertificateHolder) {
      return "a certificate";
    }
    if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo) {
      return "a private key";
    }
    if (o instanceof SubjectPublicKeyInfo) {
      return "a public key";
    }
    return o.getClass().getSimpleName();
  }

  /**
   * Checks a key is of an accepted type and size.
   *
   * @param key the key
   * @return the same key
   * @throws KeyFormatException naming the type found and what is accepted
   */
  public static PublicKey checkAccepted(PublicKey key) throws KeyFormatException {
    String d = describe(key);
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
        throw new KeyFormatException(d + " is too small: RSA keys need at least 2048 bits");
      }
      return key;
    }
    if (key instanceof ECPublicKey) {
      if (d.equals("ECDSA P-256") || d.equals("ECDSA P-384")) {
        return key;
      }
      throw new KeyFormatException(d + " is not accepted: ECDSA keys must be on P-256 or P-384");
    }
    if (d.equals("Ed25519")) {
      return key;
    }
    throw new KeyFormatException(
        d + " keys are not accepted: use RSA (2048+ bits), ECDSA P-256/P-384 or Ed25519");
  }

  /**
   * Names a key's type for messages, e.g. {@code RSA-4096}, {@code ECDSA P-256}, {@code Ed25519}.
   *
   * @param key the key
   * @return its description
   */
  public static String describe(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      return "RSA-" + rsa.getModulus().bitLength();
    }
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return switch (bits) {
        case 256 -> "ECDSA P-256";
        case 384 -> "ECDSA P-384";
        case 521 -> "ECDSA P-521";
        default -> "ECDSA (" + bits + "-bit curve)";
      };
    }
    String alg = key.getAlgorithm();
    return alg.equalsIgnoreCase("EdDSA") || alg.equalsIgnoreCase("Ed25519") ? "Ed25519" : alg;
  }

  /**
   * A short, stable name for a public key in messages and logs: SHA-256 of its DER encoding, first
   * 16 hex digits.
   *
   * @param key the key
   * @return e.g. {@code 3f9a0c1d2e4b5a69}
   */
  public static String fingerprint(PublicKey key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes a public key as PEM ({@code PUBLIC KEY}, SPKI).
   *
   * @param key the key
   * @return the PEM text
   */
  public static String toPem(PublicKey key) {
    return pem(new PemObject("PUBLIC KEY", key.getEncoded()));
  }

  /**
   * Writes a private key as unencrypted PKCS#8 PEM ({@code PRIVATE KEY}).
   *
   * @param key the key
   * @return the PEM text
   */
  public static String toPem(PrivateKey key) {
    return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
  }

  private static String pem(PemObject o) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return w.toString();
  }

  /**
   * Generates a key pair: RSA-4096, ECDSA P-256 or Ed25519.
   *
   * @param type the type
   * @return a new key pair
   */
  public static KeyPair generate(KeyType type) {
    try {
      return switch (type) {
        case RSA -> {
          KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
          g.initialize(new RSAKeyGenParameterSpec(4096, RSAKeyGenParameterSpec.F4));
          yield g.generateKeyPair();
        }
        case ECDSA -> {
          KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec("secp256r1"));
          yield g.generateKeyPair();
        }
        case ED25519 -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + type + " key", e);
    }
  }
}
