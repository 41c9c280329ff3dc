package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code manifest sign} and {@code manifest verify} with real keys and files. */
class ManifestSignCommandTest {
  @TempDir Path dir;

  private Path manifest;
  private TestKeys.Party owner;

  @BeforeEach
  void files() throws Exception {
    manifest = ManifestCommandTest.smallManifest(dir);
    owner = TestKeys.party(dir.resolve("owner"), KeyType.ECDSA);
  }

  @Test
  void signWritesOneLineOfBase64ThatVerifies() throws Exception {
    Run sign =
        Run.of("manifest", "sign", manifest.toString(), "--key", owner.privateFile().toString());

    assertEquals(0, sign.exitCode(), sign::toString);
    Path sigFile = Path.of(manifest + ".sig");
    String text = Files.readString(sigFile);
    assertTrue(text.matches("[A-Za-z0-9+/=]+\n"), text);
    Manifest m = new ManifestParser().parse(Files.readAllBytes(manifest));
    assertTrue(
        ManifestSignature.verify(
            m, Base64.getDecoder().decode(text.strip()), owner.pair().getPublic()));
    assertTrue(sign.out().startsWith("Wrote " + sigFile + ": signature of manifest 'small'"));
    assertTrue(sign.out().contains("by owner key " + owner.fingerprint() + " (ECDSA P-256)"));

    Run verify =
        Run.of(
            "manifest",
            "verify",
            manifest.toString(),
            "--signature",
            sigFile.toString(),
            "--owner-key",
            owner.publicFile().toString());

    assertEquals(0, verify.exitCode(), verify::toString);
    assertEquals(
        manifest
            + ": signature verified: manifest 'small' (measurement "
            + ManifestSignature.digest(m).hex()
            + ") is signed by owner key "
            + owner.fingerprint()
            + " (ECDSA P-256).",
        verify.out().strip());
    assertEquals("", verify.err());
  }

  @Test
  void reformattingTheJsonKeepsTheSignatureValid() throws Exception {
    sign();
    Path compact = dir.resolve("compact.json");
    Files.writeString(compact, Files.readString(manifest).replaceAll("\n\\s*", ""));

    Run verify =
        Run.of(
            "manifest",
            "verify",
            compact.toString(),
            "-s",
            manifest + ".sig",
            "-k",
            owner.publicFile().toString());

    assertEquals(0, verify.exitCode(), verify::toString);
  }

  @Test
  void aTamperedManifestFails() throws Exception {
    sign();
    Files.writeString(
        manifest, Files.readString(manifest).replace("\"name\": \"\"", "\"name\": \"evil\""));

    Run verify = verify(owner.publicFile());

    assertEquals(1, verify.exitCode(), verify::toString);
    assertEquals(
        manifest
            + ": signature "
            + manifest
            + ".sig NOT verified: manifest signature does not verify with owner key "
            + owner.fingerprint()
            + " (ECDSA P-256)",
        verify.err().strip());
    assertEquals("", verify.out());
  }

  @Test
  void theWrongOwnerKeyFails() throws Exception {
    sign();
    TestKeys.Party other = TestKeys.party(dir.resolve("other"), KeyType.ED25519);

    Run verify = verify(other.publicFile());

    assertEquals(1, verify.exitCode(), verify::toString);
    assertTrue(
        verify
            .err()
            .endsWith(
                "NOT verified: manifest signature does not verify with owner key "
                    + other.fingerprint()
                    + " (Ed25519)\n"),
        verify::toString);
  }

  @Test
  void theWrongOwnerKeyInJsonIsVerifiedFalse() throws Exception {
    sign();
    TestKeys.Party other = TestKeys.party(dir.resolve("other"), KeyType.ED25519);

    Run verify =
        Run.of(
            "manifest",
            "verify",
            manifest.toString(),
            "--owner-key",
            other.publicFile().toString(),
            "--json");

    assertEquals(1, verify.exitCode(), verify::toString);
    assertTrue(
        verify
            .out()
            .contains(
                "\"verified\":false,\"reason\":\"manifest signature does not verify with owner"
                    + " key "
                    + other.fingerprint()
                    + " (Ed25519)\""),
        verify::toString);
  }

  @Test
  void aMissingSignatureFileFails() {
    Run verify = verify(owner.publicFile());

    assertEquals(1, verify.exitCode(), verify::toString);
    assertEquals("signature " + manifest + ".sig: no such file", verify.err().strip());
  }

  @Test
  void anEmptySignatureFileFailsClosed() throws Exception {
    Files.writeString(Path.of(manifest + ".sig"), "\n");

    Run verify = verify(owner.publicFile());

    assertEquals(1, verify.exitCode(), verify::toString);
    assertTrue(verify.err().contains("NOT verified: manifest is not signed"), verify::toString);
  }

  @Test
  void aSignatureThatIsNotBase64Fails() throws Exception {
    Files.writeString(Path.of(manifest + ".sig"), "this is not base64!\n");

    Run verify = verify(owner.publicFile());

    assertEquals(1, verify.exitCode(), verify::toString);
    assertTrue(verify.err().contains(".sig: not base64 text"), verify::toString);
  }

  @Test
  void signRefusesToOverwriteASignatureUnlessForced() throws Exception {
    sign();
    String before = Files.readString(Path.of(manifest + ".sig"));

    Run again =
        Run.of("manifest", "sign", manifest.toString(), "--key", owner.privateFile().toString());
    assertEquals(1, again.exitCode(), again::toString);
    assertTrue(again.err().startsWith(manifest + ".sig already exists"), again::toString);
    assertEquals(before, Files.readString(Path.of(manifest + ".sig")));

    Run forced =
        Run.of(
            "manifest",
            "sign",
            manifest.toString(),
            "--key",
            owner.privateFile().toString(),
            "--force");
    assertEquals(0, forced.exitCode(), forced::toString);
  }

  @Test
  void signWithAPublicKeyFails() {
    Run sign =
        Run.of("manifest", "sign", manifest.toString(), "--key", owner.publicFile().toString());

    assertEquals(1, sign.exitCode(), sign::toString);
    assertTrue(
        sign.err()
            .startsWith(
                "--key "
                    + owner.publicFile()
                    + ": expected an unencrypted PEM private key (PRIVATE KEY, RSA PRIVATE KEY or"
                    + " EC PRIVATE KEY), found a public key"),
        sign::toString);
  }

  @Test
  void signsWithCocosAisRsaKeyForm() throws Exception {
    // CocosAI's keys command writes RSA as PKCS#1 under the PEM label PRIVATE KEY.
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    var pair = g.generateKeyPair();
    byte[] pkcs1 =
        PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded())
            .parsePrivateKey()
            .toASN1Primitive()
            .getEncoded();
    Path key = dir.resolve("cocosai-private.pem");
    try (PemWriter w = new PemWriter(Files.newBufferedWriter(key))) {
      w.writeObject(new PemObject("PRIVATE KEY", pkcs1));
    }
    Path pub =
        Files.writeString(dir.resolve("cocosai-public.pem"), PemKeys.toPem(pair.getPublic()));

    Run sign = Run.of("manifest", "sign", manifest.toString(), "--key", key.toString());
    assertEquals(0, sign.exitCode(), sign::toString);
    assertTrue(sign.out().contains("(RSA-2048)"), sign::toString);

    Run verify = verify(pub);
    assertEquals(0, verify.exitCode(), verify::toString);
  }

  @Test
  void signOfAnInvalidManifestFails() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{}");

    Run sign = Run.of("manifest", "sign", bad.toString(), "-k", owner.privateFile().toString());

    assertEquals(1, sign.exitCode(), sign::toString);
    assertTrue(
        sign.err().startsWith(bad + " is not a valid manifest (3 problems):"), sign::toString);
    assertTrue(Files.notExists(Path.of(bad + ".sig")));
  }

  private void sign() {
    Run sign =
        Run.of("manifest", "sign", manifest.toString(), "--key", owner.privateFile().toString());
    assertEquals(0, sign.exitCode(), sign::toString);
  }

  private Run verify(Path ownerKey) {
    return Run.of("manifest", "verify", manifest.toString(), "--owner-key", ownerKey.toString());
  }
}
