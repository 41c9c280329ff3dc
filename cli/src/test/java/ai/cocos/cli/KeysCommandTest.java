package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.crypto.PemKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code keys}: real key generation into real files, read back by PemKeys and openssl. */
class KeysCommandTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"rsa, RSA-4096", "ecdsa, ECDSA P-256", "ed25519, Ed25519"})
  void writesAPkcs8PairThatPemKeysAndOpensslRead(String type, String described) throws Exception {
    Run run = Run.of("keys", "-k", type, "-o", dir.toString());

    assertEquals(0, run.exitCode(), run::toString);
    Path privateFile = dir.resolve("private.pem");
    Path publicFile = dir.resolve("public.pem");
    String privatePem = Files.readString(privateFile);
    assertTrue(privatePem.startsWith("-----BEGIN PRIVATE KEY-----\n"), privatePem.substring(0, 30));
    assertTrue(Files.readString(publicFile).startsWith("-----BEGIN PUBLIC KEY-----\n"));

    KeyPair pair = PemKeys.parsePrivateKey(privatePem);
    PublicKey pub = PemKeys.parsePublicKey(Files.readString(publicFile));
    assertEquals(pub, pair.getPublic(), "public.pem is the private key's public half");
    assertEquals(described, PemKeys.describe(pub));

    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile)));
    var publicMode = Files.getPosixFilePermissions(publicFile);
    assertFalse(publicMode.contains(PosixFilePermission.GROUP_WRITE), publicMode::toString);
    assertFalse(publicMode.contains(PosixFilePermission.OTHERS_WRITE), publicMode::toString);

    TestKeys.Result check = TestKeys.openssl(dir, "pkey", "-in", "private.pem", "-noout");
    assertEquals(0, check.exitCode(), check.output());
    TestKeys.Result pubCheck =
        TestKeys.openssl(dir, "pkey", "-pubin", "-in", "public.pem", "-noout");
    assertEquals(0, pubCheck.exitCode(), pubCheck.output());

    assertTrue(run.out().contains(described + " key pair"), run::toString);
    assertTrue(run.out().contains(PemKeys.fingerprint(pub)), run::toString);
    assertTrue(run.out().contains(privateFile.toString()), run::toString);
    assertFalse(run.out().contains("BEGIN"), "never prints key material");
    assertEquals("", run.err());
  }

  @Test
  void refusesToOverwriteAnExistingKeyAndKeepsIt() throws Exception {
    assertEquals(0, Run.of("keys", "-k", "ed25519", "-o", dir.toString()).exitCode());
    String before = Files.readString(dir.resolve("private.pem"));

    Run again = Run.of("keys", "-k", "ed25519", "-o", dir.toString());

    assertEquals(1, again.exitCode(), again::toString);
    assertTrue(
        again.err().startsWith(dir.resolve("private.pem") + " already exists"), again::toString);
    assertTrue(again.err().contains("--force"), again::toString);
    assertEquals(before, Files.readString(dir.resolve("private.pem")));
  }

  @Test
  void refusesWhenOnlyThePublicFileExists() throws Exception {
    Files.writeString(dir.resolve("public.pem"), "someone else's key");

    Run run = Run.of("keys", "-k", "ecdsa", "-o", dir.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith(dir.resolve("public.pem") + " already exists"), run::toString);
    assertFalse(Files.exists(dir.resolve("private.pem")), "nothing half-written");
  }

  @Test
  void forceReplacesTheKeysAndTightensTheMode() throws Exception {
    Path privateFile = dir.resolve("private.pem");
    Files.writeString(privateFile, "old");
    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(dir.resolve("public.pem"), "old");

    Run run = Run.of("keys", "-k", "ecdsa", "-o", dir.toString(), "--force");

    assertEquals(0, run.exitCode(), run::toString);
    PemKeys.parsePrivateKey(Files.readString(privateFile));
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile)));
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temporary files left behind");
    }
  }

  @Test
  void createsAMissingOutputDirectoryAndPrintsJson() throws Exception {
    Path out = dir.resolve("keys/hospital-a");

    Run run = Run.of("keys", "--key-type", "ED25519", "--output-dir", out.toString(), "--json");

    assertEquals(0, run.exitCode(), run::toString);
    PublicKey pub = PemKeys.parsePublicKey(Files.readString(out.resolve("public.pem")));
    assertEquals(
        "{\"type\":\"Ed25519\",\"fingerprint\":\""
            + PemKeys.fingerprint(pub)
            + "\",\"private_key\":\""
            + out.resolve("private.pem")
            + "\",\"public_key\":\""
            + out.resolve("public.pem")
            + "\"}",
        run.out().strip());
  }

  @Test
  void anOutputDirectoryThatIsAFileFails() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");

    Run run = Run.of("keys", "-k", "ecdsa", "-o", file.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals("-o " + file + ": not a directory", run.err().strip());
  }

  @Test
  void anUnknownKeyTypeIsAUsageError() {
    Run run = Run.of("keys", "-k", "dsa", "-o", dir.toString());

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(
        run.err().contains("unknown key type 'dsa': use rsa, ecdsa or ed25519"), run::toString);
    assertTrue(run.err().contains("Run 'cocos-cli keys --help'"), run::toString);
  }
}
