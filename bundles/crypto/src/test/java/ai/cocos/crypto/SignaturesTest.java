package ai.cocos.crypto;

import static ai.cocos.crypto.Tools.openssl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Signatures interoperate with openssl both ways, as CocosAI's upload signatures do with Go. */
class SignaturesTest {
  @TempDir static Path dir;

  private static final String ROLE = "data-provider";

  @BeforeAll
  static void keys() throws Exception {
    openssl(
        dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
    openssl(
        dir,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "p256.key");
    openssl(
        dir,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        "p384.key");
    openssl(dir, "genpkey", "-algorithm", "ED25519", "-out", "ed25519.key");
    for (String k : new String[] {"rsa", "p256", "p384", "ed25519"}) {
      openssl(dir, "pkey", "-in", k + ".key", "-pubout", "-out", k + ".pub");
    }
    Files.writeString(dir.resolve("msg"), ROLE);
    Files.writeString(dir.resolve("other"), "consumer");
  }

  private static boolean isEd25519(String key) {
    return key.equals("ed25519");
  }

  /** Signs {@code msg} with openssl the way CocosAI's CLI signs (SHA-256, or pure Ed25519). */
  private static byte[] opensslSign(String key) throws Exception {
    if (isEd25519(key)) {
      openssl(
          dir,
          "pkeyutl",
          "-sign",
          "-rawin",
          "-inkey",
          key + ".key",
          "-in",
          "msg",
          "-out",
          key + ".sig");
    } else {
      openssl(dir, "dgst", "-sha256", "-sign", key + ".key", "-out", key + ".sig", "msg");
    }
    return Files.readAllBytes(dir.resolve(key + ".sig"));
  }

  /** Verifies with openssl; true only on success. */
  private static boolean opensslVerify(String pub, byte[] sig, String msgFile) throws Exception {
    return opensslVerify(pub, pub.contains("ed25519"), sig, msgFile);
  }

  private static boolean opensslVerify(String pub, boolean ed25519, byte[] sig, String msgFile)
      throws Exception {
    Path sigFile = Files.createTempFile(dir, "sig", ".bin");
    Files.write(sigFile, sig);
    List<String> cmd =
        ed25519
            ? List.of(
                Tools.OPENSSL,
                "pkeyutl",
                "-verify",
                "-rawin",
                "-pubin",
                "-inkey",
                pub,
                "-in",
                msgFile,
                "-sigfile",
                sigFile.toString())
            : List.of(
                Tools.OPENSSL,
                "dgst",
                "-sha256",
                "-verify",
                pub,
                "-signature",
                sigFile.toString(),
                msgFile);
    Tools.Result r = Tools.run(dir, null, cmd);
    return r.exit() == 0 && r.out().contains("Verified");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "p256", "p384", "ed25519"})
  void opensslSignaturesVerify(String key) throws Exception {
    byte[] sig = opensslSign(key);
    var pub = PemKeys.parsePublicKey(Files.readString(dir.resolve(key + ".pub")));
    byte[] msg = ROLE.getBytes(StandardCharsets.US_ASCII);
    assertTrue(Signatures.verify(pub, msg, sig), "openssl's signature verifies");

    assertFalse(
        Signatures.verify(pub, "consumer".getBytes(StandardCharsets.US_ASCII), sig),
        "other message");
    assertFalse(Signatures.verify(pub, msg, Arrays.copyOf(sig, sig.length - 1)), "truncated");
    assertFalse(Signatures.verify(pub, msg, new byte[0]), "empty");
    assertFalse(Signatures.verify(pub, msg, null), "null");
    byte[] flipped = sig.clone();
    flipped[sig.length / 2] ^= 1;
    assertFalse(Signatures.verify(pub, msg, flipped), "one bit flipped");
    String otherKey = key.equals("p256") ? "p384" : "p256";
    var other = PemKeys.parsePublicKey(Files.readString(dir.resolve(otherKey + ".pub")));
    assertFalse(Signatures.verify(other, msg, sig), "another key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "p256", "p384", "ed25519"})
  void signaturesVerifyWithOpenssl(String key) throws Exception {
    KeyPair pair = PemKeys.parsePrivateKey(Files.readString(dir.resolve(key + ".key")));
    byte[] sig = Signatures.sign(pair.getPrivate(), ROLE.getBytes(StandardCharsets.US_ASCII));
    assertTrue(opensslVerify(key + ".pub", sig, "msg"), "openssl verifies ours");
    assertFalse(opensslVerify(key + ".pub", sig, "other"), "openssl: other message fails");
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void generatedKeysSignForOpenssl(KeyType type) throws Exception {
    KeyPair pair = PemKeys.generate(type);
    Path pub = dir.resolve("gen-" + type + ".pub");
    Files.writeString(pub, PemKeys.toPem(pair.getPublic()));
    byte[] sig = Signatures.sign(pair.getPrivate(), ROLE.getBytes(StandardCharsets.US_ASCII));
    assertTrue(opensslVerify(pub.toString(), type == KeyType.ED25519, sig, "msg"));
    assertTrue(Signatures.verify(pair.getPublic(), ROLE.getBytes(StandardCharsets.US_ASCII), sig));
  }

  @Test
  void refusesKeysOfOtherTypes() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("DSA");
    g.initialize(2048);
    KeyPair dsa = g.generateKeyPair();
    byte[] msg = ROLE.getBytes(StandardCharsets.US_ASCII);
    KeyFormatException e =
        assertThrows(KeyFormatException.class, () -> Signatures.sign(dsa.getPrivate(), msg));
    assertEquals("cannot sign with this DSA key", e.getMessage());
    PemKeysTest.assertNoKeyMaterial(PemKeys.toPem(dsa.getPrivate()), e);
    assertFalse(Signatures.verify(dsa.getPublic(), msg, new byte[64]));

    KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
    assertThrows(KeyFormatException.class, () -> Signatures.sign(ed448.getPrivate(), msg));
    assertFalse(Signatures.verify(ed448.getPublic(), msg, new byte[114]));
    assertFalse(Signatures.verify(null, msg, new byte[64]));
  }
}
