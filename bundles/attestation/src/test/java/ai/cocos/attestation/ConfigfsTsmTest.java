package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * configfs-tsm without the kernel: an entry folder laid out as the kernel shows it (the kernel's
 * part, producing outblob, is what this machine lacks), fed a real report from the vectors.
 */
class ConfigfsTsmTest {
  @TempDir Path dir;

  @Test
  void missingInterfaceIsNamed() {
    ConfigfsTsm tsm = new ConfigfsTsm(dir.resolve("tsm/report"));
    assertFalse(tsm.available());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> tsm.get(new byte[64], OptionalInt.empty(), "sev_guest"));
    assertTrue(
        e.getMessage()
            .startsWith(
                "configfs-tsm is not available: " + dir.resolve("tsm/report") + " does not exist"),
        e.getMessage());
  }

  @Test
  void runsTheProtocolOnAnEntry() throws Exception {
    byte[] report = Vectors.read("snp/genoa-v3-msft/report.bin");
    Path entry = Files.createDirectories(dir.resolve("e"));
    Files.writeString(entry.resolve("provider"), "sev_guest\n");
    Files.writeString(entry.resolve("generation"), "2\n");
    Files.write(entry.resolve("outblob"), report);
    Files.write(entry.resolve("auxblob"), new byte[] {1, 2});
    ConfigfsTsm.Report r =
        new ConfigfsTsm(dir).read(entry, new byte[] {9}, OptionalInt.of(2), "sev_guest");
    assertEquals("sev_guest", r.provider());
    assertArrayEquals(report, r.outblob());
    assertArrayEquals(new byte[] {1, 2}, r.auxblob().orElseThrow());
    assertArrayEquals(new byte[] {9}, Files.readAllBytes(entry.resolve("inblob")));
    assertEquals("2", Files.readString(entry.resolve("privlevel")));

    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> new ConfigfsTsm(dir).read(entry, new byte[1], OptionalInt.empty(), "tdx_guest"));
    assertEquals(
        "configfs-tsm provider is sev_guest, not tdx_guest: this guest is not the platform asked for",
        e.getMessage());
    Files.write(entry.resolve("outblob"), new byte[0]);
    assertThrows(
        AttestationException.class,
        () -> new ConfigfsTsm(dir).read(entry, new byte[1], OptionalInt.empty(), "sev_guest"));
  }

  @Test
  void aPlainFolderIsNotAKernelInterface() {
    // mkdir works, but no provider attribute appears: the error names the entry.
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> new ConfigfsTsm(dir).get(new byte[64], OptionalInt.empty(), "sev_guest"));
    assertTrue(
        e.getMessage().startsWith("configfs-tsm refused the request at " + dir), e.getMessage());
  }
}
