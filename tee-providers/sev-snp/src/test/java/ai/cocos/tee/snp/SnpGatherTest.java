package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Verdict;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.snp.CertTable;
import ai.cocos.attestation.snp.SnpReport;
import ai.cocos.attestation.testing.TsmKernel;
import ai.cocos.tee.snp.internal.FakeSevGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gathering inside a guest, with the kernel's part played by tests: configfs-tsm as the kernel lays
 * it out ({@link TsmKernel}) and the sev-guest driver's ioctl ({@link FakeSevGuest}), fed the real
 * reports of the vectors (and certificate tables built from their real VCEK/VLEK, ASK and ARK). The
 * evidence the provider returns verifies with the provider's own {@code verify} under the vector's
 * policy at the time its README gives.
 */
class SnpGatherTest {
  @TempDir Path tmp;

  static Stream<String> vectors() {
    return SnpVectors.ALL.stream().map(SnpVectors::dir);
  }

  /** The host's certificate table for a vector: its VCEK or VLEK, then ASK (or ASVK) and ARK. */
  static byte[] table(SnpVectors v) throws Exception {
    byte[] signer = Certs.der(Certs.readOne(v.signerBytes()));
    String product =
        v.dir().startsWith("milan") ? "milan" : v.dir().startsWith("genoa") ? "genoa" : "turin";
    String bundle = v.attachment().equals("vlek") ? "_asvk_ark.pem" : "_ask_ark.pem";
    var chain = Certs.read(Vectors.read("roots/amd/" + product + bundle));
    Map<String, byte[]> certs = new LinkedHashMap<>();
    certs.put(v.attachment(), signer);
    certs.put("ask", Certs.der(chain.get(0)));
    certs.put("ark", Certs.der(chain.get(1)));
    return CertTable.build(certs);
  }

  private Path device() throws Exception {
    return Files.createFile(tmp.resolve("sev-guest"));
  }

  private SnpProvider provider(Path tsm, Path device, int vmpl, GuestDevices devices) {
    SnpSettings s = SnpSettings.defaults().withCollateralCache(tmp.resolve("cache"));
    s = new SnpSettings(s.collateralCache(), s.kds(), false, tsm, device, vmpl);
    return new SnpProvider(s, devices);
  }

  private static String failures(Verdict v) {
    return v.failures().stream()
        .map(f -> f.rule() + ": " + f.message())
        .collect(Collectors.joining("\n"));
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void configfsTsmAsTheKernelLaysItOutGivesEvidenceThatVerifies(String name) throws Exception {
    SnpVectors v = SnpVectors.of(name);
    byte[] report = v.report();
    byte[] table = table(v);
    List<Integer> levels = new CopyOnWriteArrayList<>();
    TsmKernel kernel =
        TsmKernel.start(
            tmp.resolve("tsm/report"),
            "sev_guest",
            0,
            (in, level) -> {
              levels.add(level);
              return new TsmKernel.Answer(report, table);
            });
    SnpProvider p = provider(kernel.reportDir(), device(), 0, GuestDevices.linux());
    assertTrue(p.canGather());
    byte[] reportData = SnpReport.parse(report).reportData();

    Evidence e = p.gather(new EvidenceRequest(reportData, new byte[0]));

    assertEquals("snp", e.platform());
    assertArrayEquals(report, e.report());
    assertArrayEquals(table, e.attachments().get("certs"));
    assertEquals(1, kernel.requests().size());
    assertArrayEquals(reportData, kernel.requests().get(0), "inblob is the report data");
    assertEquals(List.of(0), levels, "privlevel is the configured VMPL");
    try (Stream<Path> left = Files.list(kernel.folder())) {
      assertEquals(0, left.count(), "the report entry is removed");
    }
    Verdict verdict = p.verify(v.request(e, v.policy()));
    assertTrue(verdict.passed(), failures(verdict));
  }

  @Test
  void aReportForAnotherRequestIsRefused() throws Exception {
    SnpVectors v = SnpVectors.of("genoa-v3-msft");
    byte[] report = v.report();
    TsmKernel kernel =
        TsmKernel.start(
            tmp.resolve("tsm/report"),
            "sev_guest",
            0,
            (in, level) -> new TsmKernel.Answer(report, null));
    SnpProvider p = provider(kernel.reportDir(), device(), -1, GuestDevices.linux());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[] {9, 9, 9}, new byte[0])));
    assertEquals(
        "the SEV-SNP firmware returned a report for other report data than requested: refusing it",
        e.getMessage());
  }

  @Test
  void withoutConfigfsTsmTheDeviceGivesEvidenceThatVerifies() throws Exception {
    SnpVectors v = SnpVectors.of("turin-v5-msft");
    byte[] report = v.report();
    byte[] table = table(v);
    FakeSevGuest driver =
        new FakeSevGuest((data, vmpl) -> FakeSevGuest.Answer.ok(report, table), true);
    SnpProvider p = provider(tmp.resolve("no-tsm"), device(), 2, driver);
    assertTrue(p.canGather());
    byte[] reportData = SnpReport.parse(report).reportData();

    Evidence e = p.gather(new EvidenceRequest(reportData, new byte[0]));

    assertArrayEquals(report, e.report());
    assertArrayEquals(table, e.attachments().get("certs"));
    assertEquals(1, driver.seen.size());
    FakeSevGuest.Seen seen = driver.seen.get(0);
    assertEquals(0xC0205302L, seen.request(), "SNP_GET_EXT_REPORT");
    assertEquals(2, seen.vmpl());
    assertArrayEquals(reportData, seen.userData());
    Verdict verdict = p.verify(v.request(e, v.policy()));
    assertTrue(verdict.passed(), failures(verdict));
  }

  @Test
  void aHostWithoutExtendedRequestsGivesThePlainReport() throws Exception {
    SnpVectors v = SnpVectors.of("milan-v2-go-sev-guest");
    byte[] report = v.report();
    FakeSevGuest driver = new FakeSevGuest((d, l) -> FakeSevGuest.Answer.ok(report, null), false);
    SnpProvider p = provider(tmp.resolve("no-tsm"), device(), -1, driver);

    Evidence e = p.gather(new EvidenceRequest(SnpReport.parse(report).reportData(), new byte[0]));

    // The driver refused SNP_GET_EXT_REPORT (ENOTTY) before reading it; SNP_GET_REPORT followed.
    assertEquals(
        List.of(0xC0205300L), driver.seen.stream().map(FakeSevGuest.Seen::request).toList());
    assertFalse(e.attachments().containsKey("certs"));
    // The relying party brings the VCEK (from AMD's KDS or its cache).
    Evidence withVcek = new Evidence("snp", e.report(), Map.of("vcek", v.signerBytes()));
    Verdict verdict = p.verify(v.request(withVcek, v.policy()));
    assertTrue(verdict.passed(), failures(verdict));
  }

  @Test
  void theFirmwaresRefusalIsNamed() throws Exception {
    FakeSevGuest driver = new FakeSevGuest((d, l) -> FakeSevGuest.Answer.refused(0x16), true);
    SnpProvider p = provider(tmp.resolve("no-tsm"), device(), 0, driver);
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[64], new byte[0])));
    assertEquals(
        "configfs-tsm ("
            + tmp.resolve("no-tsm")
            + ") is missing (Linux before 6.7, or configfs not mounted at /sys/kernel/config),"
            + " and the device fallback failed: SNP_GET_EXT_REPORT on "
            + tmp.resolve("sev-guest")
            + " refused: EIO (errno 5, input/output error); firmware error"
            + " SEV_RET_INVALID_PARAM (0x16) (is VMPL 0 below the guest's own? set the vmpl"
            + " setting)",
        e.getMessage());
  }

  @Test
  void aRealDeviceOfAnotherDriverIsNamed() throws Exception {
    // /dev/null through the real C library: the request reaches a driver that does not know it.
    SnpProvider p = provider(tmp.resolve("no-tsm"), Path.of("/dev/null"), -1, GuestDevices.linux());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[64], new byte[0])));
    assertTrue(
        e.getMessage()
            .endsWith(
                "the device fallback failed: SNP_GET_REPORT on /dev/null refused: ENOTTY (errno"
                    + " 25, inappropriate ioctl for device): /dev/null is not the sev-guest"
                    + " driver (no firmware or host error reported)"),
        e.getMessage());
  }
}
