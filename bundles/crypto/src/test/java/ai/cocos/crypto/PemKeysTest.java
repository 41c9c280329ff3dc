package ai.cocos.crypto;

import static ai.cocos.crypto.Tools.openssl;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** PEM keys as openssl 3 writes them, and as {@link PemKeys} writes them. */
class PemKeysTest {
  @TempDir static Path dir;

  @BeforeAll
  static void generateWithOpenssl() {
    genpkey("rsa2048", "RSA", "rsa_keygen_bits:2048");
    genpkey("rsa4096", "RSA", "rsa_keygen_bits:4096");
    genpkey("rsa1024", "RSA", "rsa_keygen_bits:1024");
    genpkey("p256", "EC", "ec_paramgen_curve:P-256");
    genpkey("p384", "EC", "ec_paramgen_curve:P-384");
    genpkey("p521", "EC", "ec_paramgen_curve:P-521");
    genpkey("k256", "EC", "ec_paramgen_curve:secp256k1");
    genpkey("ed25519", "ED25519", null);
    genpkey("ed448", "ED448", null);
    genpkey("x25519", "X25519", null);
    openssl(
        dir,
        "genpkey",
        "-genparam",
        "-algorithm",
        "DSA",
        "-pkeyopt",
        "dsa_paramgen_bits:1024",
        "-out",
        "dsa.params");
    openssl(dir, "genpkey", "-paramfile", "dsa.params", "-out", "dsa.key");
    for (String k :
        new String[] {
          "rsa2048", "rsa4096", "rsa1024", "p256", "p384", "p521", "k256", "ed25519", "ed448",
          "x25519", "dsa"
        }) {
      openssl(dir, "pkey", "-in", k + ".key", "-pubout", "-out", k + ".pub");
      openssl(dir, "pkey", "-in", k + ".key", "-pubout", "-outform", "DER", "-out", k + ".pub.der");
    }
    // PKCS#1 forms of RSA keys, public and private.
    for (String k : new String[] {"rsa2048", "rsa4096"}) {
      openssl(dir, "rsa", "-in", k + ".key", "-RSAPublicKey_out", "-out", k + ".pkcs1.pub");
      openssl(dir, "rsa", "-in", k + ".key", "-traditional", "-out", k + ".pkcs1.key");
    }
    // SEC1 forms of EC keys: plain, without the public key, and with an EC PARAMETERS block.
    for (String k : new String[] {"p256", "p384"}) {
      openssl(dir, "ec", "-in", k + ".key", "-out", k + ".sec1.key");
      openssl(dir, "ec", "-in", k + ".key", "-no_public", "-out", k + ".sec1nopub.key");
    }
    openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "ecparam.key");
    openssl(
        dir, "pkey", "-in", "ecparam.key", "-pubout", "-outform", "DER", "-out", "ecparam.pub.der");
    // Encrypted private keys: PKCS#8 and traditional (Proc-Type header).
    openssl(
        dir,
        "pkey",
        "-in",
        "p256.key",
        "-aes256",
        "-passout",
        "pass:secret",
        "-out",
        "p256.enc.key");
    openssl(
        dir,
        "rsa",
        "-in",
        "rsa2048.key",
        "-traditional",
        "-aes256",
        "-passout",
        "pass:secret",
        "-out",
        "rsa2048.enc.key");
    openssl(
        dir,
        "req",
        "-x509",
        "-new",
        "-key",
        "p256.key",
        "-subj",
        "/CN=test",
        "-days",
        "1",
        "-out",
        "p256.crt");
  }

  private static void genpkey(String name, String alg, String opt) {
    if (opt == null) {
      openssl(dir, "genpkey", "-algorithm", alg, "-out", name + ".key");
    } else {
      openssl(dir, "genpkey", "-algorithm", alg, "-pkeyopt", opt, "-out", name + ".key");
    }
  }

  static String read(String file) throws IOException {
    return Files.readString(dir.resolve(file));
  }

  static byte[] bytes(String file) throws IOException {
    return Files.readAllBytes(dir.resolve(file));
  }

  @ParameterizedTest
  @CsvSource({
    "rsa2048.pub, rsa2048, RSA-2048",
    "rsa2048.pkcs1.pub, rsa2048, RSA-2048",
    "rsa4096.pub, rsa4096, RSA-4096",
    "rsa4096.pkcs1.pub, rsa4096, RSA-4096",
    "p256.pub, p256, ECDSA P-256",
    "p384.pub, p384, ECDSA P-384",
    "ed25519.pub, ed25519, Ed25519"
  })
  void parsesOpensslPublicKeys(String file, String key, String description) throws Exception {
    PublicKey k = PemKeys.parsePublicKey(read(file));
    assertEquals(description, PemKeys.describe(k));
    assertArrayEquals(bytes(key + ".pub.der"), k.getEncoded());
    assertEquals(k, PemKeys.parsePublicKey(k.getEncoded()), "DER round trip");
    assertEquals(k, PemKeys.parsePublicKey(PemKeys.toPem(k)), "PEM round trip");
    assertEquals(16, PemKeys.fingerprint(k).length());
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void generatedKeysRoundTrip(KeyType type) throws Exception {
    KeyPair pair = PemKeys.generate(type);
    assertEquals(pair.getPublic(), PemKeys.parsePublicKey(PemKeys.toPem(pair.getPublic())));
    assertEquals(pair.getPublic(), PemKeys.parsePublicKey(pair.getPublic().getEncoded()));
    KeyPair back = PemKeys.parsePrivateKey(PemKeys.toPem(pair.getPrivate()));
    assertEquals(pair.getPublic(), back.getPublic());
    assertArrayEquals(pair.getPrivate().getEncoded(), back.getPrivate().getEncoded());
    String expected =
        switch (type) {
          case RSA -> "RSA-4096";
          case ECDSA -> "ECDSA P-256";
          case ED25519 -> "Ed25519";
        };
    assertEquals(expected, PemKeys.describe(pair.getPublic()));
  }

  @Test
  void generatedKeysAreReadByOpenssl() throws Exception {
    for (KeyType type : new KeyType[] {KeyType.ECDSA, KeyType.ED25519}) {
      KeyPair pair = PemKeys.generate(type);
      Path priv = dir.resolve("gen-" + type + ".key");
      Files.writeString(priv, PemKeys.toPem(pair.getPrivate()));
      byte[] der = openssl(dir, "pkey", "-in", priv.toString(), "-pubout", "-outform", "DER");
      assertArrayEquals(pair.getPublic().getEncoded(), der, type.toString());
    }
  }

  @ParameterizedTest
  @CsvSource({
    "rsa2048.key, rsa2048, RSA-2048", // PKCS#8
    "rsa4096.key, rsa4096, RSA-4096",
    "rsa2048.pkcs1.key, rsa2048, RSA-2048", // RSA PRIVATE KEY
    "p256.key, p256, ECDSA P-256",
    "p384.key, p384, ECDSA P-384",
    "p256.sec1.key, p256, ECDSA P-256", // EC PRIVATE KEY
    "p384.sec1.key, p384, ECDSA P-384",
    "p256.sec1nopub.key, p256, ECDSA P-256", // EC PRIVATE KEY without the public point
    "ecparam.key, ecparam, ECDSA P-256", // EC PARAMETERS block, then EC PRIVATE KEY
    "ed25519.key, ed25519, Ed25519"
  })
  void derivesThePublicKeyOpensslDerives(String file, String key, String description)
      throws Exception {
    String pem = read(file);
    KeyPair pair = PemKeys.parsePrivateKey(pem);
    assertEquals(description, PemKeys.describe(pair.getPublic()));
    assertArrayEquals(bytes(key + ".pub.der"), pair.getPublic().getEncoded());
    byte[] message = "algorithm-provider".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(
        Signatures.verify(pair.getPublic(), message, Signatures.sign(pair.getPrivate(), message)));
  }

  @Test
  void readsPkcs1UnderThePrivateKeyLabelAsCocosAiWritesIt() throws Exception {
    // CocosAI's "keys -k rsa" writes x509.MarshalPKCS1PrivateKey under "PRIVATE KEY".
    String pkcs1 = read("rsa2048.pkcs1.key").replace("RSA PRIVATE KEY", "PRIVATE KEY");
    KeyPair pair = PemKeys.parsePrivateKey(pkcs1);
    assertArrayEquals(bytes("rsa2048.pub.der"), pair.getPublic().getEncoded());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "rsa1024.pub | RSA-1024 is too small: RSA keys need at least 2048 bits",
        "p521.pub | ECDSA P-521 is not accepted: ECDSA keys must be on P-256 or P-384",
        "k256.pub | ECDSA secp256k1 is not accepted",
        "dsa.pub | DSA keys are not accepted: use RSA (2048+ bits), ECDSA P-256/P-384 or Ed25519",
        "ed448.pub | Ed448 keys are not accepted",
        "x25519.pub | X25519 keys are not accepted",
        "p256.crt | found a certificate: extract its public key with 'openssl x509 -pubkey",
        "p256.key | found a private key: give the public key",
        "p256.enc.key | found an encrypted private key (decrypt it first",
      })
  void refusesPublicKeys(String file, String message) throws Exception {
    KeyFormatException e =
        assertThrows(KeyFormatException.class, () -> PemKeys.parsePublicKey(read(file)));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    if (file.endsWith(".pub")) {
      // The same refusal for the DER form the protocol carries.
      KeyFormatException d =
          assertThrows(
              KeyFormatException.class,
              () -> PemKeys.parsePublicKey(bytes(file.replace(".pub", ".pub.der"))));
      assertTrue(d.getMessage().contains(message), d.getMessage());
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'' | empty public key",
        "'   \n' | empty public key",
        "hello, world | not PEM: no -----BEGIN",
        "'-----BEGIN PUBLIC KEY-----\nAAAAAAAA\n-----END PUBLIC KEY-----\n' | malformed PUBLIC KEY",
        "'-----BEGIN PUBLIC KEY-----\nMIIB\n' | malformed PEM public key",
        "'-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n' | malformed PEM public key",
        "'-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n' | found a PEM block of type 'FOO'",
      })
  void refusesGarbage(String pem, String message) {
    KeyFormatException e =
        assertThrows(KeyFormatException.class, () -> PemKeys.parsePublicKey(pem));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void refusesGarbageDer() {
    assertTrue(
        assertThrows(KeyFormatException.class, () -> PemKeys.parsePublicKey(new byte[0]))
            .getMessage()
            .contains("empty public key"));
    assertThrows(KeyFormatException.class, () -> PemKeys.parsePublicKey((byte[]) null));
    KeyFormatException e =
        assertThrows(
            KeyFormatException.class, () -> PemKeys.parsePublicKey(new byte[] {0x30, 0x03, 1, 2}));
    assertTrue(e.getMessage().contains("DER SubjectPublicKeyInfo expected"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "rsa1024.key | RSA-1024 is too small",
        "p521.key | ECDSA P-521 is not accepted",
        "k256.key | ECDSA secp256k1 is not accepted",
        "ed448.key | Ed448 keys are not accepted",
        "dsa.key | DSA keys are not accepted",
        "p256.enc.key | found an encrypted private key (decrypt it first",
        "rsa2048.enc.key | found an encrypted private key (decrypt it first",
        "p256.pub | expected an unencrypted PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC"
            + " PRIVATE KEY), found a public key",
        "p256.crt | found a certificate",
      })
  void refusesPrivateKeys(String file, String message) throws Exception {
    KeyFormatException e =
        assertThrows(KeyFormatException.class, () -> PemKeys.parsePrivateKey(read(file)));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertNoKeyMaterial(read(file), e);
  }

  @Test
  void damagedPrivateKeysAreRefusedWithoutQuotingThem() throws Exception {
    for (String file :
        new String[] {"rsa2048.key", "rsa2048.pkcs1.key", "p256.sec1.key", "ed25519.key"}) {
      String pem = read(file);
      String[] lines = pem.split("\n");
      // Truncated: the last base64 line and END are gone.
      String truncated = String.join("\n", java.util.Arrays.copyOf(lines, lines.length - 2));
      // Damaged: a base64 line cut short, so the DER inside no longer parses.
      StringBuilder damaged = new StringBuilder();
      for (int i = 0; i < lines.length; i++) {
        damaged
            .append(i == 1 ? lines[i].substring(0, lines[i].length() - 4) : lines[i])
            .append('\n');
      }
      for (String bad : new String[] {truncated, damaged.toString()}) {
        KeyFormatException e =
            assertThrows(KeyFormatException.class, () -> PemKeys.parsePrivateKey(bad), file);
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("malformed"), e.getMessage());
        assertNoKeyMaterial(pem, e);
      }
    }
    assertTrue(
        assertThrows(KeyFormatException.class, () -> PemKeys.parsePrivateKey(""))
            .getMessage()
            .contains("empty private key"));
  }

  /**
   * No message in the exception's cause chain quotes the PEM body (any 12 base64 characters of it),
   * nor the DER body in hex.
   */
  static void assertNoKeyMaterial(String pem, Throwable e) {
    String body =
        pem.replaceAll("-----[A-Z ]+-----", "")
            .replaceAll("(?m)^[A-Za-z-]+:.*$", "")
            .replaceAll("\\s", "");
    String hex;
    try {
      hex = java.util.HexFormat.of().formatHex(Base64.getDecoder().decode(body));
    } catch (IllegalArgumentException notBase64) {
      hex = "";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      Matcher words = Pattern.compile("[A-Za-z0-9+/]{12,}").matcher(m);
      while (words.find()) {
        assertFalse(body.contains(words.group()), () -> "message quotes the key: " + m);
      }
      Matcher hexes = Pattern.compile("[0-9a-fA-F]{16,}").matcher(m);
      while (hexes.find()) {
        assertFalse(
            hex.contains(hexes.group().toLowerCase(Locale.ROOT)),
            () -> "message quotes the key: " + m);
      }
    }
  }

  @Test
  void keyTypeNames() {
    assertEquals(KeyType.RSA, KeyType.parse("RSA"));
    assertEquals(KeyType.ECDSA, KeyType.parse(" ec "));
    assertEquals(KeyType.ED25519, KeyType.parse("ed25519"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KeyType.parse("dsa"));
    assertTrue(e.getMessage().contains("use rsa, ecdsa or ed25519"));
  }
}
