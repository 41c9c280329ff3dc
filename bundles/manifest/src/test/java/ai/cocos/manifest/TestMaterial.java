package ai.cocos.manifest;

import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real keys and certificates for the tests, made once per JVM, and a valid three-party manifest as
 * a mutable JSON tree (maps and lists) that tests change and serialise.
 */
final class TestMaterial {
  private static final AtomicLong SERIAL = new AtomicLong(1);

  /** Data provider A: ECDSA P-256. */
  static final KeyPair HOSPITAL_A = PemKeys.generate(KeyType.ECDSA);

  /** Data provider B: Ed25519. */
  static final KeyPair HOSPITAL_B = PemKeys.generate(KeyType.ED25519);

  /** Algorithm provider and result consumer: RSA-2048 (fast to make, still accepted). */
  static final KeyPair LAB = generate("RSA", 2048);

  /** The agent's TLS CA, its leaf, and a client CA. */
  static final KeyPair CA_KEY = PemKeys.generate(KeyType.ECDSA);

  static final KeyPair AGENT_KEY = PemKeys.generate(KeyType.ECDSA);
  static final KeyPair CLIENT_CA_KEY = ec("secp384r1");
  static final X509Certificate CA = certificate("Test CA", CA_KEY, "Test CA", CA_KEY, true);
  static final X509Certificate AGENT =
      certificate("agent.test", AGENT_KEY, "Test CA", CA_KEY, false);
  static final X509Certificate CLIENT_CA =
      certificate("Test Client CA", CLIENT_CA_KEY, "Test Client CA", CLIENT_CA_KEY, true);

  static final String HASH_A = sha3Hex("hospital a rows");
  static final String HASH_B = sha3Hex("hospital b rows");
  static final String HASH_ALGO = sha3Hex("print('lin reg')");

  private TestMaterial() {}

  static KeyPair generate(String algorithm, int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
      g.initialize(bits);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair ec(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static X509Certificate certificate(
      String subject, KeyPair subjectKey, String issuer, KeyPair issuerKey, boolean ca) {
    try {
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              new X500Name("CN=" + issuer),
              BigInteger.valueOf(SERIAL.getAndIncrement()),
              Date.from(now.minus(1, ChronoUnit.DAYS)),
              Date.from(now.plus(365, ChronoUnit.DAYS)),
              new X500Name("CN=" + subject),
              subjectKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      String alg =
          switch (issuerKey.getPrivate().getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
          };
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(X509Certificate... certs) {
    StringBuilder b = new StringBuilder();
    for (X509Certificate c : certs) {
      try {
        b.append(pem("CERTIFICATE", c.getEncoded(), 64, "\n"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return b.toString();
  }

  static String pem(String label, byte[] der, int width, String lineEnd) {
    String b64 =
        Base64.getMimeEncoder(width, lineEnd.getBytes(StandardCharsets.US_ASCII))
            .encodeToString(der);
    return "-----BEGIN "
        + label
        + "-----"
        + lineEnd
        + b64
        + lineEnd
        + "-----END "
        + label
        + "-----"
        + lineEnd;
  }

  static String publicPem(KeyPair k) {
    return PemKeys.toPem(k.getPublic());
  }

  static String privatePem(KeyPair k) {
    return PemKeys.toPem(k.getPrivate());
  }

  static String sha3Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA3-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A valid manifest: two data providers, one algorithm provider who also consumes the result, and
   * an agent with a TLS certificate chain, its key and a client CA.
   */
  static Map<String, Object> valid() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", "c0ffee-42");
    m.put("name", "Iris regression");
    m.put("description", "Two hospitals, one lab.\nThe lab reads the result.");
    List<Object> datasets = new ArrayList<>();
    datasets.add(dataset(HASH_A, publicPem(HOSPITAL_A), "hospital-a.csv", false));
    datasets.add(dataset(HASH_B, publicPem(HOSPITAL_B), "hospital-b.zip", true));
    m.put("datasets", datasets);
    Map<String, Object> algorithm = new LinkedHashMap<>();
    algorithm.put("hash", HASH_ALGO);
    algorithm.put("userKey", publicPem(LAB));
    algorithm.put("type", "python");
    algorithm.put("args", new ArrayList<Object>(List.of("--target", "sepal_width")));
    m.put("algorithm", algorithm);
    List<Object> consumers = new ArrayList<>();
    Map<String, Object> consumer = new LinkedHashMap<>();
    consumer.put("userKey", publicPem(LAB));
    consumers.add(consumer);
    m.put("result_consumers", consumers);
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("port", 7002);
    agent.put("cert_file", pem(AGENT, CA));
    agent.put("key_file", privatePem(AGENT_KEY));
    agent.put("server_ca_file", pem(CA));
    agent.put("client_ca_file", pem(CLIENT_CA));
    agent.put("attested_tls", false);
    m.put("agent_config", agent);
    return m;
  }

  /** The smallest valid manifest: an id, an algorithm and one consumer. */
  static Map<String, Object> minimal() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", "c1");
    Map<String, Object> algorithm = new LinkedHashMap<>();
    algorithm.put("hash", HASH_ALGO);
    algorithm.put("userKey", publicPem(LAB));
    m.put("algorithm", algorithm);
    Map<String, Object> consumer = new LinkedHashMap<>();
    consumer.put("userKey", publicPem(LAB));
    m.put("result_consumers", new ArrayList<Object>(List.of(consumer)));
    return m;
  }

  static Map<String, Object> dataset(String hash, String key, String filename, boolean decompress) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("hash", hash);
    d.put("userKey", key);
    d.put("filename", filename);
    d.put("decompress", decompress);
    return d;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> obj(Map<String, Object> tree, String path) {
    Object o = tree;
    for (String part : path.split("\\.")) {
      if (part.endsWith("]")) {
        String name = part.substring(0, part.indexOf('['));
        int i = Integer.parseInt(part.substring(part.indexOf('[') + 1, part.length() - 1));
        o = ((List<Object>) ((Map<String, Object>) o).get(name)).get(i);
      } else {
        o = ((Map<String, Object>) o).get(part);
      }
    }
    return (Map<String, Object>) o;
  }
}
