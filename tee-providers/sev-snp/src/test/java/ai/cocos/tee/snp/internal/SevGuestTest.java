package ai.cocos.tee.snp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.attestation.guest.Ioctl;
import ai.cocos.attestation.snp.CertTable;
import ai.cocos.tee.snp.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sev-guest ioctl structures byte by byte, as {@code linux/sev-guest.h} lays them out on 64-bit
 * Linux, and the driver's and firmware's refusals. The real ioctl needs an SEV-SNP guest, which
 * this machine is not: the driver is {@link FakeSevGuest}, the report a real one.
 */
class SevGuestTest {
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path tmp;

  @Test
  void requestNumbersAreTheHeadersIowr() {
    assertEquals(0xC0205300L, SevGuest.SNP_GET_REPORT);
    assertEquals(0xC0205302L, SevGuest.SNP_GET_EXT_REPORT);
    assertEquals(Ioctl.iowr('S', 0, 32), SevGuest.SNP_GET_REPORT);
  }

  @Test
  void reportRequestIsUserDataVmplAndReservedZeros() {
    byte[] data = new byte[64];
    Arrays.fill(data, (byte) 0xab);
    byte[] r = SevGuest.reportRequest(data, 2);
    assertEquals(96, r.length, "sizeof(struct snp_report_req)");
    assertArrayEquals(data, Arrays.copyOfRange(r, 0, 64));
    assertEquals("02000000", HEX.formatHex(r, 64, 68), "__u32 vmpl, little endian");
    assertArrayEquals(new byte[28], Arrays.copyOfRange(r, 68, 96), "rsvd[28]");
  }

  @Test
  void extendedRequestAddsTheCertificateBuffer() {
    byte[] r = SevGuest.extReportRequest(new byte[64], 1, 0x1122334455667788L, 0x4000);
    assertEquals(112, r.length, "sizeof(struct snp_ext_report_req): 108 padded to 8");
    assertEquals("01000000", HEX.formatHex(r, 64, 68));
    assertEquals("8877665544332211", HEX.formatHex(r, 96, 104), "__u64 certs_address");
    assertEquals("00400000", HEX.formatHex(r, 104, 108), "__u32 certs_len");
    assertEquals("00000000", HEX.formatHex(r, 108, 112), "padding");
  }

  @Test
  void ioctlRequestIsVersionPaddingAndTwoPointers() {
    byte[] r = SevGuest.ioctlRequest(0x00007f0000001000L, 0x00007f0000002000L);
    assertEquals(32, r.length, "sizeof(struct snp_guest_request_ioctl)");
    assertEquals(
        "01" + "00000000000000" + "00100000007f0000" + "00200000007f0000" + "0000000000000000",
        HEX.formatHex(r),
        "msg_version, 7 bytes of padding, req_data, resp_data, exitinfo2");
  }

  @Test
  void theCertificateTableIsCutToItsExtent() {
    assertTrue(SevGuest.table(new byte[0x4000]).isEmpty(), "the host supplied none");
    byte[] table = CertTable.build(Map.of("vcek", new byte[] {1, 2, 3}));
    byte[] buffer = Arrays.copyOf(table, 0x4000);
    assertArrayEquals(table, SevGuest.table(buffer).orElseThrow());
  }

  private Path device() throws Exception {
    return Files.createFile(tmp.resolve("sev-guest"));
  }

  @Test
  void theHostsErrorsAreNamed() throws Exception {
    Path dev = device();
    byte[] report = Vectors.read("snp/milan-v2-go-sev-guest/report.bin");
    FakeSevGuest tooMany =
        new FakeSevGuest((d, l) -> FakeSevGuest.Answer.ok(report, new byte[0x5000]), true);
    AttestationException big =
        assertThrows(AttestationException.class, () -> SevGuest.get(tooMany, dev, new byte[64], 0));
    assertEquals(
        "SNP_GET_EXT_REPORT on "
            + dev
            + " refused: EIO (errno 5, input/output error); host (VMM) error"
            + " SNP_GUEST_VMM_ERR_INVALID_LEN (1: the host's certificates exceed 16384 bytes)",
        big.getMessage());
    FakeSevGuest busy = new FakeSevGuest((d, l) -> FakeSevGuest.Answer.refused(2L << 32), true);
    AttestationException b =
        assertThrows(AttestationException.class, () -> SevGuest.get(busy, dev, new byte[64], 0));
    assertTrue(
        b.getMessage()
            .endsWith("SNP_GUEST_VMM_ERR_BUSY (2: the host throttled the request; retry)"),
        b.getMessage());
    FakeSevGuest policy = new FakeSevGuest((d, l) -> FakeSevGuest.Answer.refused(0x07), false);
    AttestationException p =
        assertThrows(AttestationException.class, () -> SevGuest.get(policy, dev, new byte[64], 0));
    assertTrue(
        p.getMessage()
            .startsWith(
                "SNP_GET_REPORT on "
                    + dev
                    + " refused: EIO (errno 5, input/output error); firmware error"
                    + " SEV_RET_POLICY_FAILURE (0x7)"),
        p.getMessage());
  }

  @Test
  void aMissingDeviceIsNotAGuest() {
    FakeSevGuest driver = new FakeSevGuest((d, l) -> FakeSevGuest.Answer.refused(1), true);
    Path dev = tmp.resolve("sev-guest");
    AttestationException e =
        assertThrows(AttestationException.class, () -> SevGuest.get(driver, dev, new byte[64], 0));
    assertEquals(
        "not an SEV-SNP guest: "
            + dev
            + " does not exist (the sev-guest driver is loaded only in an SNP guest)",
        e.getMessage());
    assertEquals(0, driver.seen.size());
  }

  @Test
  void theRequestCarriesTheReportDataAndVmpl() throws Exception {
    Path dev = device();
    byte[] report = Vectors.read("snp/milan-v2-go-sev-guest/report.bin");
    FakeSevGuest driver = new FakeSevGuest((d, l) -> FakeSevGuest.Answer.ok(report, null), true);
    byte[] data = new byte[64];
    data[0] = 7;
    SevGuest.Result r = SevGuest.get(driver, dev, data, 3);
    assertArrayEquals(report, r.report());
    assertTrue(r.certificates().isEmpty());
    assertEquals("SNP_GET_EXT_REPORT", r.request());
    FakeSevGuest.Seen seen = driver.seen.get(0);
    assertEquals(1, seen.msgVersion());
    assertEquals(3, seen.vmpl());
    assertEquals(0x4000, seen.certsLength());
    assertArrayEquals(data, seen.userData());
    assertEquals(
        "SEV_RET_INVALID_PARAM (0x16)", SevGuest.firmwareError(0x16), "psp-sev.h numbering");
    assertEquals("unknown (0x1e)", SevGuest.firmwareError(0x1e));
  }
}
