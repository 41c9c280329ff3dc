package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code checksum}: SHA3-256 of files, directories and manifests. */
class ChecksumCommandTest {
  @TempDir Path dir;

  @Test
  void aFilesChecksumIsOpensslsSha3() throws Exception {
    Path file = dir.resolve("data.bin");
    byte[] chunk = new byte[1 << 20];
    new Random(7).nextBytes(chunk);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < 3; i++) {
        out.write(chunk); // 3 MiB: more than one read buffer
      }
      out.write(chunk, 0, 12345);
    }

    Run run = Run.of("checksum", file.toString());

    assertEquals(0, run.exitCode(), run::toString);
    TestKeys.Result openssl = TestKeys.openssl(dir, "dgst", "-sha3-256", "data.bin");
    assertEquals(0, openssl.exitCode(), openssl.output());
    assertEquals(
        "SHA3-256(data.bin)= " + run.out().strip(), openssl.output().strip(), run::toString);
    assertTrue(run.out().strip().matches("[0-9a-f]{64}"), run::toString);
  }

  @Test
  void anEmptyFileHasTheSha3OfNothing() throws Exception {
    Path file = Files.createFile(dir.resolve("empty"));

    Run run = Run.of("checksum", file.toString());

    assertEquals(
        "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", run.out().strip());
  }

  @Test
  void base64PrintsTheSameDigest() throws Exception {
    Path file = Files.writeString(dir.resolve("a.csv"), "x,y\n1,2\n");
    String hex = Run.of("checksum", file.toString()).out().strip();

    Run run = Run.of("checksum", "-b", file.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(
        Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)), run.out().strip());
    assertEquals(run.out(), Run.of("checksum", "--base64", file.toString()).out());
  }

  @Test
  void aDirectorysChecksumIsItsDeterministicZipsAndStable() throws Exception {
    Path records = Files.createDirectories(dir.resolve("records/sub"));
    Files.writeString(records.resolve("b.csv"), "2");
    Files.writeString(dir.resolve("records/a.csv"), "1");

    Run first = Run.of("checksum", dir.resolve("records").toString());
    Files.setLastModifiedTime(
        dir.resolve("records/a.csv"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
    Run second = Run.of("checksum", dir.resolve("records") + "/");

    assertEquals(0, first.exitCode(), first::toString);
    assertEquals(
        HexFormat.of().formatHex(DeterministicZip.hashOf(dir.resolve("records"))),
        first.out().strip());
    assertEquals(first.out(), second.out(), "time stamps do not count");

    Files.writeString(records.resolve("b.csv"), "3");
    assertNotEquals(first.out(), Run.of("checksum", dir.resolve("records").toString()).out());
  }

  @Test
  void jsonNamesTheKindAndBothEncodings() throws Exception {
    Path records = Files.createDirectories(dir.resolve("records"));
    Files.writeString(records.resolve("a.csv"), "1");
    byte[] digest = DeterministicZip.hashOf(records);

    Run run = Run.of("checksum", "--json", records.toString());

    assertEquals(
        "{\"path\":\""
            + records
            + "\",\"kind\":\"directory\",\"algorithm\":\"SHA3-256\",\"hex\":\""
            + HexFormat.of().formatHex(digest)
            + "\",\"base64\":\""
            + Base64.getEncoder().encodeToString(digest)
            + "\"}",
        run.out().strip());
  }

  @Test
  void manifestFlagPrintsTheMeasurement() throws Exception {
    Path manifest = ManifestCommandTest.smallManifest(dir);
    Manifest parsed = new ManifestParser().parse(Files.readAllBytes(manifest));

    Run run = Run.of("checksum", "-m", manifest.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(ManifestSignature.digest(parsed).hex(), run.out().strip());
    // Layout does not change the measurement.
    Path compact = Files.writeString(dir.resolve("compact.json"), compactJson(manifest));
    assertEquals(run.out(), Run.of("checksum", "--manifest", compact.toString()).out());
    assertNotEquals(run.out(), Run.of("checksum", manifest.toString()).out());
  }

  @Test
  void manifestFlagOnAnInvalidManifestListsItsProblems() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"id\": \"x y\"}");

    Run run = Run.of("checksum", "-m", bad.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith(bad + " is not a valid manifest (3 problems):"), run::toString);
    assertTrue(run.err().contains("  id: may hold only letters"), run::toString);
    assertTrue(run.err().contains("  algorithm: required field is missing"), run::toString);
    assertEquals("", run.out());
  }

  @Test
  void aMissingPathFails() {
    Path missing = dir.resolve("nope.csv");

    Run run = Run.of("checksum", missing.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(missing + ": no such file", run.err().strip());
  }

  @Test
  void anUnreadableFileFails() throws Exception {
    Path file = Files.writeString(dir.resolve("secret.csv"), "x");
    file.toFile().setReadable(false, false);
    if (Files.isReadable(file)) {
      return; // running as root: permissions do not apply
    }

    Run run = Run.of("checksum", file.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(file + ": cannot read it: permission denied", run.err().strip());
  }

  @Test
  void withoutAPathItIsAUsageError() {
    Run run = Run.of("checksum");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("Missing required parameter: 'PATH'"), run::toString);
  }

  private static String compactJson(Path manifest) throws Exception {
    // Re-indent without changing values: drop the line breaks and indentation between tokens.
    return Files.readString(manifest).replaceAll("\n\\s*", "");
  }
}
