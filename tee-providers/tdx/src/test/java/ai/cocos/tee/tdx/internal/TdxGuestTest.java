package ai.cocos.tee.tdx.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.attestation.guest.Ioctl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TDX_CMD_GET_REPORT0}: the request number and structure as {@code linux/tdx-guest.h}
 * declares them, the TDREPORT's fields at the TDX module ABI's offsets (checked on a real TDREPORT
 * from the vectors, whose values the vectors' README states), and the driver's refusals. No TDX
 * module here: the driver is {@link FakeTdxGuest}.
 */
class TdxGuestTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String TD_REPORT = "tpm/azure-tdx-vtpm/extracted/td_report.bin";

  @TempDir Path tmp;

  @Test
  void requestNumberAndStructure() {
    assertEquals(0xC4405401L, TdxGuest.TDX_CMD_GET_REPORT0);
    assertEquals(Ioctl.iowr('T', 1, 64 + 1024), TdxGuest.TDX_CMD_GET_REPORT0);
    byte[] data = new byte[64];
    Arrays.fill(data, (byte) 5);
    byte[] r = TdxGuest.request(data);
    assertEquals(1088, r.length, "sizeof(struct tdx_report_req)");
    assertArrayEquals(data, Arrays.copyOfRange(r, 0, 64));
    assertArrayEquals(new byte[1024], Arrays.copyOfRange(r, 64, 1088));
  }

  @Test
  void theTdReportsFieldsAreWhereTheAbiPutsThem() {
    TdxGuest.TdReportFields f = TdxGuest.TdReportFields.of(Vectors.read(TD_REPORT));
    assertEquals(
        "9734504f161d104c74e3165c15f779b06a9bb40dfa71937817d7eee68e593839",
        HEX.formatHex(f.reportData(), 0, 32));
    assertArrayEquals(new byte[32], Arrays.copyOfRange(f.reportData(), 32, 64));
    assertEquals(
        "024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b",
        HEX.formatHex(f.mrtd()));
  }

  @Test
  void theDeviceAnswersWithTheTdReportForTheRequest() throws Exception {
    byte[] report = Vectors.read(TD_REPORT);
    byte[] data = TdxGuest.TdReportFields.of(report).reportData();
    FakeTdxGuest driver = new FakeTdxGuest(d -> report);
    Path dev = Files.createFile(tmp.resolve("tdx_guest"));
    TdxGuest.TdReportFields f = TdxGuest.tdReport(driver, dev, data);
    assertArrayEquals(data, driver.requests.get(0));
    assertEquals(
        "024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b",
        HEX.formatHex(f.mrtd()));
    AttestationException other =
        assertThrows(
            AttestationException.class, () -> TdxGuest.tdReport(driver, dev, new byte[64]));
    assertEquals(
        "the TDX module returned a TDREPORT for other report data than requested",
        other.getMessage());
    FakeTdxGuest failing = new FakeTdxGuest(d -> null);
    AttestationException io =
        assertThrows(
            AttestationException.class, () -> TdxGuest.tdReport(failing, dev, new byte[64]));
    assertEquals(
        "TDX_CMD_GET_REPORT0 on " + dev + " refused: EIO (errno 5, input/output error)",
        io.getMessage());
  }
}
