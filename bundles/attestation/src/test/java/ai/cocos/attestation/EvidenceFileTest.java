package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.attestation.EvidenceFile.EvidenceFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvidenceFileTest {
  @TempDir Path tmp;

  /** A real SNP report and VCEK, written and read back byte for byte. */
  @Test
  void roundTripsRealEvidenceDeterministically() throws Exception {
    byte[] report = Vectors.read("snp/milan-v2-go-sev-guest/report.bin");
    byte[] vcek = Vectors.read("snp/milan-v2-go-sev-guest/vcek.der");
    Map<String, byte[]> att = new LinkedHashMap<>();
    att.put("vcek", vcek);
    att.put("product", "Milan".getBytes(StandardCharsets.US_ASCII));
    Evidence e = new Evidence("snp", report, att);
    Path f = tmp.resolve("evidence.json");
    EvidenceFile.write(e, f);
    Evidence back = EvidenceFile.read(f);
    assertEquals("snp", back.platform());
    assertArrayEquals(report, back.report());
    assertArrayEquals(vcek, back.attachments().get("vcek"));
    assertEquals(2, back.attachments().size());
    // Same evidence, other attachment order: same bytes.
    Map<String, byte[]> reversed = new LinkedHashMap<>();
    reversed.put("vcek", vcek);
    reversed.put("product", att.get("product"));
    assertArrayEquals(
        Files.readAllBytes(f), EvidenceFile.write(new Evidence("snp", report, reversed)));
    String text = Files.readString(f);
    assertTrue(text.indexOf("\"product\"") < text.indexOf("\"vcek\""), text);
    assertTrue(EvidenceFile.looksLikeEvidenceFile(Files.readAllBytes(f)));
    assertFalse(EvidenceFile.looksLikeEvidenceFile(report));
  }

  @Test
  void rejectsWhatIsNotThisFormatNamingTheProblem() {
    assertProblem(
        "{\"format\":\"cocos-evidence/2\"}", "format \"cocos-evidence/2\" is not supported");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"platform\":\"snp\",\"report\":\"AA==\","
            + "\"attachments\":{},\"extra\":1}",
        "unknown member \"extra\"");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"platform\":\"snp\",\"report\":\"A*==\","
            + "\"attachments\":{}}",
        "report is not valid base64");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"platform\":\"snp\",\"report\":\"AA==\","
            + "\"attachments\":{\"../x\":\"AA==\"}}",
        "attachment name \"../x\"");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"platform\":\"SNP!\",\"report\":\"AA==\","
            + "\"attachments\":{}}",
        "platform \"SNP!\" is not a platform id");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"platform\":\"snp\",\"report\":\"\","
            + "\"attachments\":{}}",
        "\"report\" is empty");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"platform\":\"snp\",\"report\":\"AA==\"}",
        "\"attachments\" is missing");
    assertProblem(
        "{\"format\":\"cocos-evidence/1\",\"format\":\"cocos-evidence/1\"}", "not valid JSON");
    assertProblem("[1]", "expected a JSON object");
    EvidenceFormatException e =
        assertThrows(
            EvidenceFormatException.class,
            () -> EvidenceFile.read(new byte[] {(byte) 0xff, 0x00, 0x01}));
    assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
  }

  @Test
  void refusesOversizedFilesBeforeReadingThemWhole() throws Exception {
    Path big = tmp.resolve("big.json");
    try (var ch =
        java.nio.channels.FileChannel.open(
            big,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {'{'}), EvidenceFile.MAX_BYTES + 10L);
    }
    EvidenceFormatException e =
        assertThrows(EvidenceFormatException.class, () -> EvidenceFile.read(big));
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }

  @Test
  void refusesNamesItCannotWrite() {
    assertThrows(
        IllegalArgumentException.class,
        () -> EvidenceFile.write(new Evidence("snp", new byte[] {1}, Map.of("a/b", new byte[0]))));
  }

  private static void assertProblem(String json, String expected) {
    EvidenceFormatException e =
        assertThrows(
            EvidenceFormatException.class,
            () -> EvidenceFile.read(json.getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains(expected), e.getMessage() + " lacks: " + expected);
  }
}
