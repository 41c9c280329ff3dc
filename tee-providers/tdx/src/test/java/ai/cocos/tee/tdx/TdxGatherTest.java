package ai.cocos.tee.tdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.testing.TsmKernel;
import ai.cocos.tee.tdx.internal.FakeTdxGuest;
import ai.cocos.tee.tdx.internal.TdxQuoteFields;
import ai.cocos.tee.tdx.internal.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gathering inside a TD with the kernel's part played by tests: configfs-tsm as the kernel lays it
 * out ({@link TsmKernel}) fed real quotes from the vectors, and the tdx-guest device ({@link
 * FakeTdxGuest}) fed a real TDREPORT. The evidence verifies with the provider's own {@code verify}
 * as the vectors' README says it must.
 */
class TdxGatherTest {
  private static final String PHALA = "tdx/v4-phala-full-collateral/";
  private static final String GCP = "tdx/v4-gcp-cos113-ccel/";

  @TempDir Path tmp;

  private TdxProvider provider(Path tsm, Path ccel, Path device, GuestDevices devices) {
    TdxSettings s = TdxSettings.defaults().withCollateralCache(null).offline();
    return new TdxProvider(s.withGuestInterfaces(tsm, ccel), device, devices);
  }

  private TsmKernel kernel(byte[] quote) throws Exception {
    return TsmKernel.start(
        tmp.resolve("tsm/report"),
        "tdx_guest",
        0,
        (in, level) -> new TsmKernel.Answer(quote, null));
  }

  private static byte[] reportData(byte[] quote) {
    return HexFormat.of().parseHex(TdxQuoteFields.read(quote).get("report_data"));
  }

  private static String failures(Verdict v) {
    return v.failures().stream()
        .map(f -> f.rule() + ": " + f.message())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void configfsTsmAsTheKernelLaysItOutGivesAQuoteThatVerifies() throws Exception {
    byte[] quote = Vectors.read(PHALA + "quote.dat");
    TsmKernel kernel = kernel(quote);
    Path device = Files.createFile(tmp.resolve("tdx_guest"));
    TdxProvider p =
        provider(kernel.reportDir(), tmp.resolve("no-ccel"), device, GuestDevices.linux());
    assertTrue(p.canGather());
    byte[] data = reportData(quote);

    Evidence e = p.gather(new EvidenceRequest(data, new byte[0]));

    assertEquals("tdx", e.platform());
    assertArrayEquals(quote, e.report());
    assertEquals(Map.of(), e.attachments(), "no CCEL published here");
    assertArrayEquals(data, kernel.requests().get(0), "inblob is the report data");
    try (Stream<Path> left = Files.list(kernel.folder())) {
      assertEquals(0, left.count(), "the report entry is removed");
    }
    // The relying party brings Intel's collateral (here the vector's, valid at its stated time).
    Map<String, byte[]> withCollateral = new HashMap<>(e.attachments());
    withCollateral.put(TdxProvider.COLLATERAL, Vectors.read(PHALA + "collateral.json"));
    String mrtd = TdxQuoteFields.read(quote).get("mrtd");
    Verdict v =
        p.verify(
            new VerificationRequest(
                new Evidence("tdx", e.report(), withCollateral),
                PolicyDocument.parse(
                    "{\"platform\":\"tdx\",\"report_data\":\""
                        + HexFormat.of().formatHex(data)
                        + "\",\"tdx\":{\"mrtd\":[\""
                        + mrtd
                        + "\"]}}"),
                Instant.parse("2025-07-01T00:00:00Z"),
                true));
    assertTrue(v.passed(), failures(v));
  }

  @Test
  void theFirmwaresEventLogIsAttachedAndReplaysToTheQuotedRtmrs() throws Exception {
    byte[] quote = Vectors.read(GCP + "quote.dat");
    Path ccel =
        Path.of(
            System.getenv()
                .getOrDefault("COCOS_ATTESTATION_VECTORS", "/work/shared/attestation-vectors"),
            GCP,
            "ccel_data.bin");
    TdxProvider p =
        provider(kernel(quote).reportDir(), ccel, tmp.resolve("dev"), GuestDevices.linux());

    Evidence e = p.gather(new EvidenceRequest(reportData(quote), new byte[0]));

    assertArrayEquals(Vectors.read(GCP + "ccel_data.bin"), e.attachments().get(TdxProvider.CCEL));
    Verdict v =
        p.verify(
            new VerificationRequest(
                e,
                PolicyDocument.parse(
                    "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                        + TdxQuoteFields.read(quote).get("mrtd")
                        + "\"],\"event_log_required\":true}}"),
                Instant.parse("2025-01-01T00:00:00Z"),
                true));
    // The log replays to RTMR0-2, so the policy's requirement of a log holds.
    assertTrue(
        v.findings().stream().anyMatch(f -> f.rule().equals("event_log.replay") && f.passed()),
        failures(v));
    // No Intel collateral ships for this platform: the verdict fails closed on it, and only on it.
    assertFalse(v.passed());
    assertTrue(
        v.failures().stream()
            .allMatch(
                f ->
                    f.rule().startsWith("collateral.")
                        || f.rule().equals("qe.identity")
                        || f.rule().equals("tdx.accepted_tcb_status")),
        failures(v));
  }

  @Test
  void aQuoteForAnotherRequestIsRefused() throws Exception {
    byte[] quote = Vectors.read(PHALA + "quote.dat");
    TdxProvider p =
        provider(
            kernel(quote).reportDir(), tmp.resolve("c"), tmp.resolve("d"), GuestDevices.linux());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[] {1, 2, 3}, new byte[0])));
    assertEquals(
        "the TDX quoting service returned a quote for other report data than requested:"
            + " refusing it",
        e.getMessage());
  }

  @Test
  void withoutConfigfsTsmTheDeviceGivesOnlyATdReportAndTheErrorSaysWhy() throws Exception {
    byte[] tdReport = Vectors.read("tpm/azure-tdx-vtpm/extracted/td_report.bin");
    byte[] data = java.util.Arrays.copyOfRange(tdReport, 128, 192);
    FakeTdxGuest driver = new FakeTdxGuest(d -> tdReport);
    Path device = Files.createFile(tmp.resolve("tdx_guest"));
    TdxProvider p = provider(tmp.resolve("no-tsm"), tmp.resolve("c"), device, driver);
    assertFalse(p.canGather(), "no quote can be had here");

    AttestationException e =
        assertThrows(
            AttestationException.class, () -> p.gather(new EvidenceRequest(data, new byte[0])));

    assertEquals(1, driver.requests.size());
    assertEquals(
        "TDX quote unavailable: no TDX quote can be produced here: configfs-tsm ("
            + tmp.resolve("no-tsm")
            + ") is missing (Linux before 6.7, or configfs not mounted at /sys/kernel/config); "
            + device
            + " answered TDX_CMD_GET_REPORT0 with a TDREPORT for the requested report data (MRTD"
            + " 024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b)."
            + " A TDREPORT is MACed with a key only this CPU holds, so it is not evidence anyone"
            + " else can check; only Intel's Quoting Enclave signs a quote, and Linux reaches it"
            + " through configfs-tsm (CONFIG_TSM_REPORTS, Linux 6.7+) (a QGS over vsock is not"
            + " supported). Boot a kernel with configfs-tsm and mount configfs.",
        e.getMessage());
  }

  @Test
  void aRealDeviceOfAnotherDriverIsNamed() {
    TdxProvider p =
        provider(
            tmp.resolve("no-tsm"), tmp.resolve("c"), Path.of("/dev/null"), GuestDevices.linux());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[64], new byte[0])));
    assertTrue(
        e.getMessage()
            .contains(
                "; and TDX_CMD_GET_REPORT0 on /dev/null refused: ENOTTY (errno 25, inappropriate"
                    + " ioctl for device): /dev/null is not the tdx-guest driver. A TDREPORT"),
        e.getMessage());
  }
}
