package ai.cocos.manifest;

import static ai.cocos.manifest.ManifestParserTest.json;
import static ai.cocos.manifest.TestMaterial.obj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Signatures;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManifestSignatureTest {
  private static final ManifestParser PARSER = new ManifestParser();

  private static final KeyPair RSA_OWNER = PemKeys.generate(KeyType.RSA);
  private static final KeyPair P256_OWNER = PemKeys.generate(KeyType.ECDSA);
  private static final KeyPair P384_OWNER = TestMaterial.ec("secp384r1");
  private static final KeyPair ED25519_OWNER = PemKeys.generate(KeyType.ED25519);
  private static final List<KeyPair> OWNERS =
      List.of(RSA_OWNER, P256_OWNER, P384_OWNER, ED25519_OWNER);

  private static Manifest manifest() throws ManifestException {
    return PARSER.parse(json(TestMaterial.valid()));
  }

  @Test
  void signedMessageIsThePrefixAndTheCanonicalBytes() throws Exception {
    Manifest m = manifest();
    byte[] message = ManifestSignature.signedMessage(m);
    byte[] prefix = "cocos-manifest-v1\n".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(prefix, Arrays.copyOf(message, prefix.length));
    assertArrayEquals(
        ManifestCanonical.bytes(m), Arrays.copyOfRange(message, prefix.length, message.length));
  }

  @Test
  void everyAcceptedKeyTypeSignsAndVerifies() throws Exception {
    Manifest m = manifest();
    for (KeyPair owner : OWNERS) {
      byte[] sig = ManifestSignature.sign(m, owner.getPrivate());
      String type = PemKeys.describe(owner.getPublic());
      assertTrue(ManifestSignature.verify(m, sig, owner.getPublic()), type);
      // The agent receives the manifest as JSON again: the signature still holds.
      Manifest again = PARSER.parse(ManifestWriter.toJson(m).replace("\n", "\r\n"));
      assertTrue(ManifestSignature.verify(again, sig, owner.getPublic()), type);
    }
  }

  @Test
  void tamperedManifestFails() throws Exception {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[1]").put("filename", "hospital-c.zip");
    Manifest tampered = PARSER.parse(json(t));
    for (KeyPair owner : OWNERS) {
      byte[] sig = ManifestSignature.sign(manifest(), owner.getPrivate());
      assertFalse(ManifestSignature.verify(tampered, sig, owner.getPublic()));
    }
  }

  @Test
  void otherKeyFails() throws Exception {
    Manifest m = manifest();
    for (KeyPair owner : OWNERS) {
      byte[] sig = ManifestSignature.sign(m, owner.getPrivate());
      for (KeyPair other : OWNERS) {
        if (other != owner) {
          assertFalse(ManifestSignature.verify(m, sig, other.getPublic()));
        }
      }
      KeyPair sameType =
          owner == P384_OWNER
              ? TestMaterial.ec("secp384r1")
              : owner == RSA_OWNER
                  ? TestMaterial.generate("RSA", 2048)
                  : PemKeys.generate(owner == P256_OWNER ? KeyType.ECDSA : KeyType.ED25519);
      assertFalse(ManifestSignature.verify(m, sig, sameType.getPublic()));
    }
  }

  @Test
  void truncatedOrEmptyOrMissingSignatureFails() throws Exception {
    Manifest m = manifest();
    for (KeyPair owner : OWNERS) {
      byte[] sig = ManifestSignature.sign(m, owner.getPrivate());
      assertFalse(
          ManifestSignature.verify(m, Arrays.copyOf(sig, sig.length - 1), owner.getPublic()));
      assertFalse(ManifestSignature.verify(m, Arrays.copyOf(sig, 8), owner.getPublic()));
      byte[] flipped = sig.clone();
      flipped[flipped.length / 2] ^= 1;
      assertFalse(ManifestSignature.verify(m, flipped, owner.getPublic()));
      assertFalse(ManifestSignature.verify(m, new byte[0], owner.getPublic()));
      assertFalse(ManifestSignature.verify(m, null, owner.getPublic()));
      assertFalse(ManifestSignature.verify(m, sig, null));
      assertFalse(ManifestSignature.verify(null, sig, owner.getPublic()));
    }
  }

  @Test
  void signaturesOfOtherMessagesDoNotPassAsManifestSignatures() throws Exception {
    Manifest m = manifest();
    for (KeyPair owner : OWNERS) {
      // Without the domain prefix.
      byte[] bare = Signatures.sign(owner.getPrivate(), ManifestCanonical.bytes(m));
      assertFalse(ManifestSignature.verify(m, bare, owner.getPublic()));
      // An upload signature (CocosAI signs the role name).
      byte[] role =
          Signatures.sign(owner.getPrivate(), "data-provider".getBytes(StandardCharsets.US_ASCII));
      assertFalse(ManifestSignature.verify(m, role, owner.getPublic()));
    }
  }

  @Test
  void policyWithoutOwnerKeyAcceptsAnything() throws Exception {
    Manifest m = manifest();
    assertDoesNotThrow(() -> ManifestSignature.check(m, Optional.empty(), Optional.empty()));
    assertDoesNotThrow(
        () -> ManifestSignature.check(m, Optional.of(new byte[] {1, 2, 3}), Optional.empty()));
  }

  @Test
  void policyWithOwnerKey() throws Exception {
    Manifest m = manifest();
    KeyPair owner = ED25519_OWNER;
    String who = PemKeys.fingerprint(owner.getPublic()) + " (Ed25519)";
    Optional<java.security.PublicKey> required = Optional.of(owner.getPublic());

    ManifestException unsigned =
        assertThrows(
            ManifestException.class, () -> ManifestSignature.check(m, Optional.empty(), required));
    assertEquals(
        "manifest is not signed, but this agent requires a signature by owner key " + who,
        unsigned.getMessage());
    ManifestException empty =
        assertThrows(
            ManifestException.class,
            () -> ManifestSignature.check(m, Optional.of(new byte[0]), required));
    assertEquals(unsigned.getMessage(), empty.getMessage());

    byte[] byOther = ManifestSignature.sign(m, P256_OWNER.getPrivate());
    ManifestException wrong =
        assertThrows(
            ManifestException.class,
            () -> ManifestSignature.check(m, Optional.of(byOther), required));
    assertEquals("manifest signature does not verify with owner key " + who, wrong.getMessage());

    byte[] good = ManifestSignature.sign(m, owner.getPrivate());
    assertDoesNotThrow(() -> ManifestSignature.check(m, Optional.of(good), required));
  }

  @Test
  void policyMessageNamesRsaOwners() throws Exception {
    Manifest m = manifest();
    ManifestException e =
        assertThrows(
            ManifestException.class,
            () -> ManifestSignature.check(m, Optional.empty(), Optional.of(RSA_OWNER.getPublic())));
    assertEquals(
        "manifest is not signed, but this agent requires a signature by owner key "
            + PemKeys.fingerprint(RSA_OWNER.getPublic())
            + " (RSA-4096)",
        e.getMessage());
  }

  @Test
  void policyRefusesAnOwnerKeyCocosDoesNotAccept() throws Exception {
    Manifest m = manifest();
    KeyPair weak = TestMaterial.generate("RSA", 1024);
    byte[] sig = Signatures.sign(weak.getPrivate(), ManifestSignature.signedMessage(m));
    ManifestException e =
        assertThrows(
            ManifestException.class,
            () -> ManifestSignature.check(m, Optional.of(sig), Optional.of(weak.getPublic())));
    assertEquals(
        "the owner key this agent is configured with is not accepted: RSA-1024 is too small: RSA"
            + " keys need at least 2048 bits",
        e.getMessage());
    assertFalse(ManifestSignature.verify(m, sig, weak.getPublic()));
  }
}
