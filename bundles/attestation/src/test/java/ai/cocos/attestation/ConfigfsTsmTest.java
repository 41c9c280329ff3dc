package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.attestation.testing.TsmKernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * configfs-tsm without the kernel: an entry folder laid out as the kernel shows it, and {@link
 * TsmKernel} doing the kernel's part (attributes on mkdir, generation, report on outblob read) over
 * a real folder, fed a real report from the vectors.
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

  private static final byte[] REPORT_DATA = Arrays.copyOf(new byte[] {1, 2, 3, 4, 5}, 64);

  private TsmKernel kernel(int floor, TsmKernel.Firmware firmware) throws IOException {
    return TsmKernel.start(dir.resolve("tsm/report"), "sev_guest", floor, firmware);
  }

  private static TsmKernel.Firmware vector() throws IOException {
    byte[] report = Vectors.read("snp/milan-v2-go-sev-guest/report.bin");
    return (in, level) -> new TsmKernel.Answer(report, new byte[] {7, 7});
  }

  private List<Path> entries() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("tsm/report"))) {
      return s.toList();
    }
  }

  @Test
  void theKernelsLayoutGivesTheReportForThisRequestAndLeavesNoEntry() throws Exception {
    TsmKernel k = kernel(0, vector());
    ConfigfsTsm tsm = new ConfigfsTsm(k.reportDir());
    assertTrue(tsm.available());
    ConfigfsTsm.Report r = tsm.get(REPORT_DATA, OptionalInt.of(0), "sev_guest");
    assertEquals("sev_guest", r.provider());
    assertArrayEquals(Vectors.read("snp/milan-v2-go-sev-guest/report.bin"), r.outblob());
    assertArrayEquals(new byte[] {7, 7}, r.auxblob().orElseThrow());
    assertEquals(1, k.requests().size());
    assertArrayEquals(REPORT_DATA, k.requests().get(0));
    assertEquals(List.of(), entries(), "the entry is removed with its attributes");
  }

  @Test
  void aGuestOfAnotherPlatformIsNamed() throws Exception {
    TsmKernel k = TsmKernel.start(dir.resolve("tsm/report"), "tdx_guest", 0, vector());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () ->
                new ConfigfsTsm(k.reportDir()).get(REPORT_DATA, OptionalInt.empty(), "sev_guest"));
    assertEquals(
        "configfs-tsm provider is tdx_guest, not sev_guest: this guest is not the platform asked for",
        e.getMessage());
    assertEquals(List.of(), k.requests());
    assertEquals(List.of(), entries());
  }

  @Test
  void anotherWriterBetweenRequestAndReadIsRefused() throws Exception {
    TsmKernel k = kernel(0, vector());
    k.beforeOutblob(
        () -> {
          try {
            k.writeInblob(entries().get(0), new byte[64]);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () ->
                new ConfigfsTsm(k.reportDir()).get(REPORT_DATA, OptionalInt.empty(), "sev_guest"));
    assertEquals(
        "another process changed the configfs-tsm request while the report was read"
            + " (generation 1 → 2); retry",
        e.getMessage());
    assertEquals(List.of(), entries());
  }

  @Test
  void theKernelsRefusalsAreNamed() throws Exception {
    TsmKernel k = kernel(2, vector());
    ConfigfsTsm tsm = new ConfigfsTsm(k.reportDir());
    AttestationException low =
        assertThrows(
            AttestationException.class, () -> tsm.get(REPORT_DATA, OptionalInt.of(1), "sev_guest"));
    assertTrue(
        low.getMessage().startsWith("configfs-tsm refused the request at " + k.folder()),
        low.getMessage());
    assertTrue(
        low.getMessage().endsWith("Invalid argument: privlevel 1 is outside 2..3"),
        low.getMessage());
    AttestationException big =
        assertThrows(
            AttestationException.class,
            () -> tsm.get(new byte[65], OptionalInt.of(2), "sev_guest"));
    assertTrue(
        big.getMessage().endsWith("File too large: inblob takes at most 64 bytes"),
        big.getMessage());
    assertEquals(List.of(), k.requests(), "nothing reached the firmware");
    assertEquals(List.of(), entries());
  }

  @Test
  void aFirmwareFailureIsNamedAndTheEntryRemoved() throws Exception {
    TsmKernel k =
        kernel(
            0,
            (in, level) -> {
              throw new IOException("Input/output error");
            });
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () ->
                new ConfigfsTsm(k.reportDir()).get(REPORT_DATA, OptionalInt.empty(), "sev_guest"));
    assertTrue(e.getMessage().endsWith(": Input/output error"), e.getMessage());
    assertEquals(List.of(), entries());
  }
}
