package ai.cocos.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.interfaces.XECKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTNamedCurves;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Reads, writes and generates keys of the types Cocos accepts: RSA of at least 2048 bits, ECDSA on
 * P-256 or P-384, and Ed25519. Anything else is refused with a message naming what was found.
 *
 * <p>Accepted PEM forms: public keys as {@code PUBLIC KEY} (SubjectPublicKeyInfo) or {@code RSA
 * PUBLIC KEY} (PKCS#1); private keys as {@code PRIVATE KEY} (PKCS#8, or PKCS#1 under that label as
 * CocosAI's {@code keys} command writes RSA keys), {@code RSA PRIVATE KEY} (PKCS#1) and {@code EC
 * PRIVATE KEY} (SEC1, optionally preceded by the {@code EC PARAMETERS} block {@code openssl ecparam
 * -genkey} writes). Error messages never quote key material.
 */
public final class PemKeys {
  /** The smallest RSA modulus accepted. */
  public static final int MIN_RSA_BITS = 2048;

  private static final String ACCEPTED = "use RSA (2048+ bits), ECDSA P-256/P-384 or Ed25519";
  private static final ASN1ObjectIdentifier ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
  private static final Map<String, String> OTHER_ALGORITHMS =
      Map.of(
          "1.3.101.113", "Ed448",
          "1.3.101.110", "X25519",
          "1.3.101.111", "X448",
          "1.2.840.10040.4.1", "DSA",
          "1.2.840.10046.2.1", "DH",
          "1.2.840.113549.1.3.1", "DH",
          "1.2.840.113549.1.1.10", "RSASSA-PSS");

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
    PemObject block = readFirstBlock(pem, "public key");
    SubjectPublicKeyInfo spki;
    try {
      spki =
          switch (block.getType()) {
            case "PUBLIC KEY" -> SubjectPublicKeyInfo.getInstance(block.getContent());
            case "RSA PUBLIC KEY" ->
                new SubjectPublicKeyInfo(
                    new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                    org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(block.getContent()));
            default ->
                throw new KeyFormatException(
                    "expected a PEM public key (PUBLIC KEY or RSA PUBLIC KEY), found "
                        + describeBlock(block)
                        + adviceForPublic(block));
          };
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException(
          "malformed " + block.getType() + " PEM block: " + e.getMessage(), e);
    }
    return toPublicKey(spki);
  }

  /**
   * Parses a DER-encoded SubjectPublicKeyInfo (the form CocosAI's protocol carries keys in).
   *
   * @param der the encoded key
   * @return the key, of an accepted type and size
   * @throws KeyFormatException naming what is wrong
   */
  public static PublicKey parsePublicKey(byte[] der) throws KeyFormatException {
    if (der == null || der.length == 0) {
      throw new KeyFormatException("empty public key (DER SubjectPublicKeyInfo expected)");
    }
    SubjectPublicKeyInfo spki;
    try {
      spki = SubjectPublicKeyInfo.getInstance(der);
    } catch (RuntimeException e) {
      throw new KeyFormatException(
          "unreadable public key (DER SubjectPublicKeyInfo expected): " + e.getMessage(), e);
    }
    return toPublicKey(spki);
  }

  private static PublicKey toPublicKey(SubjectPublicKeyInfo spki) throws KeyFormatException {
    AlgorithmIdentifier alg = spki.getAlgorithm();
    requireAcceptedAlgorithm(alg, "public");
    PublicKey key;
    try {
      key = CONVERTER.getPublicKey(spki);
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException(
          "unreadable " + algorithmName(alg) + " public key: " + e.getMessage(), e);
    }
    return checkAccepted(key);
  }

  /**
   * Parses a PEM private key: PKCS#8 ({@code PRIVATE KEY}, also holding PKCS#1 RSA as CocosAI's CLI
   * writes it), SEC1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}). Encrypted keys
   * are refused.
   *
   * @param pem the PEM text
   * @return the key pair (the public half derived from the private key)
   * @throws KeyFormatException naming what is wrong, never quoting the key
   */
  public static KeyPair parsePrivateKey(String pem) throws KeyFormatException {
    List<PemObject> blocks = readBlocks(pem, "private key");
    ASN1Encodable ecParameters = null;
    PemObject block = null;
    for (PemObject b : blocks) {
      if (b.getType().equals("EC PARAMETERS")) {
        // openssl ecparam -genkey writes the curve in its own block before the key.
        try {
          ecParameters = ASN1ObjectIdentifier.getInstance(b.getContent());
        } catch (RuntimeException e) {
          throw new KeyFormatException(
              "malformed EC PARAMETERS PEM block: only named curves are accepted", e);
        }
      } else {
        block = b;
        break;
      }
    }
    if (block == null) {
      throw new KeyFormatException("no private key in the PEM text (only EC PARAMETERS found)");
    }
    PrivateKeyInfo info = toPrivateKeyInfo(block, ecParameters);
    AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
    requireAcceptedAlgorithm(alg, "private");
    PrivateKey priv;
    PublicKey pub;
    try {
      priv = CONVERTER.getPrivateKey(info);
      pub = derivePublic(info, priv);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      // The cause's message is left out: some providers quote values of the key.
      throw new KeyFormatException(
          "unreadable " + algorithmName(alg) + " private key (" + block.getType() + ")", e);
    }
    checkAccepted(pub);
    return new KeyPair(pub, priv);
  }

  private static PrivateKeyInfo toPrivateKeyInfo(PemObject block, ASN1Encodable ecParameters)
      throws KeyFormatException {
    String type = block.getType();
    if (isEncrypted(block)) {
      throw new KeyFormatException(
          "expected an unencrypted PEM private key, found " + describeBlock(block));
    }
    try {
      switch (type) {
        case "PRIVATE KEY":
          {
            ASN1Sequence seq = ASN1Sequence.getInstance(block.getContent());
            // PKCS#8 has an AlgorithmIdentifier second; PKCS#1 (CocosAI's RSA keys) an INTEGER.
            if (seq.size() >= 9 && seq.getObjectAt(1) instanceof ASN1Integer) {
              return rsaInfo(seq);
            }
            return PrivateKeyInfo.getInstance(seq);
          }
        case "RSA PRIVATE KEY":
          return rsaInfo(ASN1Sequence.getInstance(block.getContent()));
        case "EC PRIVATE KEY":
          {
            ECPrivateKey sec1 = ECPrivateKey.getInstance(block.getContent());
            ASN1Encodable params = sec1.getParametersObject();
            if (params == null) {
              params = ecParameters;
            }
            if (params == null) {
              throw new KeyFormatException(
                  "EC PRIVATE KEY names no curve (and no EC PARAMETERS block precedes it)");
            }
            return new PrivateKeyInfo(
                new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, params), sec1);
          }
        default:
          throw new KeyFormatException(
              "expected an unencrypted PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC"
                  + " PRIVATE KEY), found "
                  + describeBlock(block));
      }
    } catch (IOException | RuntimeException e) {
      // The cause's message is left out: ASN.1 errors may quote parts of the encoding.
      throw new KeyFormatException("malformed " + type + " PEM block", e);
    }
  }

  private static PrivateKeyInfo rsaInfo(ASN1Sequence pkcs1) throws IOException {
    return new PrivateKeyInfo(
        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
        org.bouncycastle.asn1.pkcs.RSAPrivateKey.getInstance(pkcs1));
  }

  private static PublicKey derivePublic(PrivateKeyInfo info, PrivateKey priv)
      throws GeneralSecurityException, IOException, KeyFormatException {
    if (priv instanceof RSAPrivateCrtKey rsa) {
      if (rsa.getPublicExponent() == null || rsa.getPublicExponent().signum() <= 0) {
        throw new KeyFormatException("RSA private key lacks its public exponent");
      }
      return KeyFactory.getInstance("RSA")
          .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
    }
    var bcKey = PrivateKeyFactory.createKey(info);
    SubjectPublicKeyInfo spki;
    if (bcKey instanceof Ed25519PrivateKeyParameters ed) {
      spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(ed.generatePublicKey());
    } else if (bcKey instanceof ECPrivateKeyParameters ec) {
      BigInteger d = ec.getD();
      BigInteger n = ec.getParameters().getN();
      if (d.signum() <= 0 || d.compareTo(n) >= 0) {
        throw new KeyFormatException("EC private key is out of range for its curve");
      }
      var q = ec.getParameters().getG().multiply(d).normalize();
      // Keep the named curve from the private key's algorithm identifier.
      spki = new SubjectPublicKeyInfo(info.getPrivateKeyAlgorithm(), q.getEncoded(false));
    } else {
      throw new KeyFormatException(
          describeAlgorithm(priv) + " private keys are not accepted: " + ACCEPTED);
    }
    return CONVERTER.getPublicKey(spki);
  }

  /** Refuses by algorithm identifier, before any provider sees the key. */
  private static void requireAcceptedAlgorithm(AlgorithmIdentifier alg, String half)
      throws KeyFormatException {
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    if (oid.equals(PKCSObjectIdentifiers.rsaEncryption) || oid.equals(ED25519)) {
      return;
    }
    if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      ASN1Encodable params = alg.getParameters();
      if (!(params instanceof ASN1ObjectIdentifier curve)) {
        throw new KeyFormatException(
            "ECDSA "
                + half
                + " key with explicit or missing curve parameters is not accepted: use a named"
                + " curve (P-256 or P-384)");
      }
      String name = curveName(curve);
      if (!name.equals("P-256") && !name.equals("P-384")) {
        throw new KeyFormatException(
            "ECDSA " + name + " is not accepted: ECDSA keys must be on P-256 or P-384");
      }
      return;
    }
    throw new KeyFormatException(algorithmName(alg) + " keys are not accepted: " + ACCEPTED);
  }

  private static String algorithmName(AlgorithmIdentifier alg) {
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      return "RSA";
    }
    if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      return "ECDSA";
    }
    if (oid.equals(ED25519)) {
      return "Ed25519";
    }
    String name = OTHER_ALGORITHMS.get(oid.getId());
    return name != null ? name : "algorithm " + oid.getId();
  }

  private static String curveName(ASN1ObjectIdentifier curve) {
    String name = NISTNamedCurves.getName(curve);
    if (name == null) {
      name = ECNamedCurveTable.getName(curve);
    }
    return name != null ? name : "curve " + curve.getId();
  }

  private static List<PemObject> readBlocks(String pem, String what) throws KeyFormatException {
    if (pem == null || pem.isBlank()) {
      throw new KeyFormatException("empty " + what);
    }
    List<PemObject> blocks = new ArrayList<>();
    try (PemReader r = new PemReader(new StringReader(pem))) {
      for (PemObject o = r.readPemObject(); o != null; o = r.readPemObject()) {
        blocks.add(o);
      }
    } catch (IOException | RuntimeException e) {
      // The cause's message is left out: the PEM may hold a private key.
      throw new KeyFormatException(
          "malformed PEM " + what + " (broken base64 or missing -----END line)", e);
    }
    if (blocks.isEmpty()) {
      throw new KeyFormatException("not PEM: no -----BEGIN ...----- block in the " + what);
    }
    return blocks;
  }

  private static PemObject readFirstBlock(String pem, String what) throws KeyFormatException {
    for (PemObject b : readBlocks(pem, what)) {
      if (!b.getType().equals("EC PARAMETERS")) {
        return b;
      }
    }
    throw new KeyFormatException("no " + what + " in the PEM text (only EC PARAMETERS found)");
  }

  private static boolean isEncrypted(PemObject block) {
    if (block.getType().equals("ENCRYPTED PRIVATE KEY")) {
      return true;
    }
    for (Object h : block.getHeaders()) {
      if (h instanceof PemHeader ph
          && ph.getName().equalsIgnoreCase("Proc-Type")
          && ph.getValue().toUpperCase(java.util.Locale.ROOT).contains("ENCRYPTED")) {
        return true;
      }
    }
    return false;
  }

  private static String describeBlock(PemObject block) {
    if (isEncrypted(block)) {
      return "an encrypted private key (decrypt it first, e.g. openssl pkey -in key.pem -out"
          + " plain.pem)";
    }
    String type = block.getType();
    return switch (type) {
      case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE" -> "a certificate";
      case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" -> "a certificate request";
      case "PUBLIC KEY", "RSA PUBLIC KEY" -> "a public key";
      case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" -> "a private key";
      case "DSA PRIVATE KEY" -> "a DSA private key (" + ACCEPTED + ")";
      case "OPENSSH PRIVATE KEY" ->
          "an OpenSSH private key (convert it with ssh-keygen -p -m PKCS8 -f FILE)";
      default -> "a PEM block of type '" + printable(type) + "'";
    };
  }

  private static String adviceForPublic(PemObject block) {
    return switch (block.getType()) {
      case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE" ->
          ": extract its public key with 'openssl x509 -pubkey -noout -in cert.pem'";
      case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
          isEncrypted(block) ? "" : ": give the public key ('openssl pkey -pubout -in key.pem')";
      default -> "";
    };
  }

  private static String printable(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
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
      if (!key.getAlgorithm().equalsIgnoreCase("RSA")) {
        throw new KeyFormatException(
            key.getAlgorithm() + " keys are not accepted: use a plain RSA key (rsaEncryption)");
      }
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
    throw new KeyFormatException(d + " keys are not accepted: " + ACCEPTED);
  }

  /**
   * Names a key's type for messages, e.g. {@code RSA-4096}, {@code ECDSA P-256}, {@code Ed25519},
   * {@code ECDSA secp256k1}, {@code Ed448}.
   *
   * @param key the key
   * @return its description
   */
  public static String describe(PublicKey key) {
    return describeAlgorithm(key);
  }

  private static String describeAlgorithm(Key key) {
    if (key instanceof java.security.interfaces.RSAKey rsa) {
      return "RSA-" + rsa.getModulus().bitLength();
    }
    if (key instanceof ECKey ec) {
      String nist = NistCurves.nameOf(ec.getParams());
      if (nist != null) {
        return "ECDSA " + nist;
      }
      String named = namedCurveOf(key);
      if (named != null) {
        return "ECDSA " + named;
      }
      return "ECDSA (" + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve)";
    }
    if (key instanceof EdECKey ed) {
      return ed.getParams().getName();
    }
    if (key instanceof XECKey xec && xec.getParams() instanceof NamedParameterSpec n) {
      return n.getName();
    }
    String alg = key.getAlgorithm();
    return alg.equalsIgnoreCase("Ed25519") ? "Ed25519" : alg;
  }

  /** The named curve in a key's encoding, if it names one (e.g. secp256k1). */
  private static String namedCurveOf(Key key) {
    try {
      byte[] enc = key.getEncoded();
      if (enc == null) {
        return null;
      }
      AlgorithmIdentifier alg =
          key instanceof PublicKey
              ? SubjectPublicKeyInfo.getInstance(enc).getAlgorithm()
              : PrivateKeyInfo.getInstance(enc).getPrivateKeyAlgorithm();
      return alg.getParameters() instanceof ASN1ObjectIdentifier oid ? curveName(oid) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The NIST prime curves, compared by their parameters (not by field size). */
  private static final class NistCurves {
    private static final Map<String, ECParameterSpec> CURVES = load();

    private static Map<String, ECParameterSpec> load() {
      Map<String, ECParameterSpec> m = new LinkedHashMap<>();
      for (String[] c :
          new String[][] {{"P-256", "secp256r1"}, {"P-384", "secp384r1"}, {"P-521", "secp521r1"}}) {
        try {
          AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
          p.init(new ECGenParameterSpec(c[1]));
          m.put(c[0], p.getParameterSpec(ECParameterSpec.class));
        } catch (GeneralSecurityException e) {
          // This JDK lacks the curve; keys on it cannot have been made by it either.
        }
      }
      return Map.copyOf(m);
    }

    static String nameOf(ECParameterSpec spec) {
      for (Map.Entry<String, ECParameterSpec> e : CURVES.entrySet()) {
        ECParameterSpec s = e.getValue();
        if (s.getCurve().equals(spec.getCurve())
            && s.getGenerator().equals(spec.getGenerator())
            && s.getOrder().equals(spec.getOrder())
            && s.getCofactor() == spec.getCofactor()) {
          return e.getKey();
        }
      }
      return null;
    }
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
