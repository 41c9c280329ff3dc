package ai.cocos.tee.vtpm;

import static ai.cocos.tee.vtpm.GceConformanceTest.assertPassed;
import static ai.cocos.tee.vtpm.GceConformanceTest.finding;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.internal.Swtpm;
import ai.cocos.tee.vtpm.internal.TpmTestAccess;
import ai.cocos.tee.vtpm.internal.TpmtPublic;
import ai.cocos.tee.vtpm.internal.Vectors;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Azure gathering path on a real software TPM provisioned like an Azure vTPM: the HCL
 * attestation key persisted at 0x81000003, an HCL report in NV index 0x01400001 whose runtime data
 * names that key and whose hardware-report area carries the runtime data's hash. The hardware
 * report itself is not AMD- or Intel-signed (this machine has neither), so the SEV-SNP / TDX
 * verification is a recording stand-in; everything on the vTPM side is real. For TDX, Azure's TD
 * quote service is a real HTTP server on loopback serving a real TDX quote from the vectors.
 */
class AzureGatherTest {
  @TempDir static Path dir;
  static Swtpm swtpm;
  static RSAPublicKey ak;
  static final HexFormat HEX = HexFormat.of();
  static final byte[] REPORT_DATA = "relying party report data".getBytes(StandardCharsets.UTF_8);
  static final byte[] NONCE = "azure-vtpm-nonce".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void provision() throws Exception {
    swtpm = Swtpm.start(Files.createDirectories(dir.resolve("tpm")));
    byte[] pub = TpmTestAccess.persistRsaAk(swtpm.address(), (int) AzureSettings.AK_HANDLE);
    ak = (RSAPublicKey) TpmtPublic.parse(pub).key();
  }

  @AfterAll
  static void shutdown() throws Exception {
    if (swtpm != null) {
      swtpm.close();
    }
  }

  static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static byte[] unsigned(java.math.BigInteger i) {
    byte[] b = i.toByteArray();
    return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  static byte[] runtime() {
    String json =
        "{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\""
            + b64(unsigned(ak.getPublicExponent()))
            + "\",\"n\":\""
            + b64(unsigned(ak.getModulus()))
            + "\"}],\"vm-configuration\":{\"vmUniqueId\":\"TEST-VM\"},\"user-data\":\""
            + HEX.formatHex(Arrays.copyOf(REPORT_DATA, 64)).toUpperCase(Locale.ROOT)
            + "\"}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** Lays out an HCL report as the vectors README describes it. */
  static byte[] hcl(int type, byte[] hw) {
    byte[] rt = runtime();
    // Azure's index is 2600 bytes; swtpm's largest NV index is 2048, so this one is exact-size.
    ByteBuffer b = ByteBuffer.allocate(0x4D4 + rt.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("HCLA".getBytes(StandardCharsets.US_ASCII));
    b.putInt(2).putInt(0x4C0 + 20 + rt.length).putInt(2).putInt(0);
    b.position(0x20);
    b.put(hw);
    b.position(0x4C0);
    b.putInt(20 + rt.length).putInt(1).putInt(type).putInt(1).putInt(rt.length);
    b.put(rt);
    return b.array();
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  static AzureVtpmProvider provider(String platform, RecordingProvider hw, URI quoteUrl) {
    return new AzureVtpmProvider(
        platform,
        VtpmSettings.defaults()
            .withDevice(swtpm.address())
            .withAkHandle(AzureSettings.AK_HANDLE)
            .withEventLog(dir.resolve("no-event-log")),
        new AzureSettings(Duration.ZERO, quoteUrl, Duration.ofSeconds(5)),
        id -> id.equals(hw.platform) ? Optional.of(hw) : Optional.empty());
  }

  static Policy withRequest(Policy template) throws Exception {
    Map<String, Object> rules = new LinkedHashMap<>(template.rules());
    @SuppressWarnings("unchecked")
    Map<String, Object> vtpm = new LinkedHashMap<>((Map<String, Object>) rules.get("vtpm"));
    vtpm.put("nonce", HEX.formatHex(NONCE));
    rules.put("vtpm", vtpm);
    rules.put("report_data", HEX.formatHex(REPORT_DATA));
    return ai.cocos.attestation.PolicyDocument.parse(
        ai.cocos.attestation.PolicyDocument.standard()
            .write(new Policy(template.platform(), rules)));
  }

  @Test
  void snpEvidenceIsGatheredFromTheVtpmAndVerifies() throws Exception {
    byte[] hw = new byte[1184];
    hw[0] = 2;
    System.arraycopy(sha256(runtime()), 0, hw, 0x50, 32);
    Arrays.fill(hw, 0x90, 0x90 + 48, (byte) 0x5a);
    byte[] hcl = hcl(2, hw);
    TpmTestAccess.writeNv(swtpm.address(), AzureSettings.HCL_REPORT_NV_INDEX, hcl);

    RecordingProvider snp = new RecordingProvider("snp", true);
    AzureVtpmProvider p =
        provider(AzureVtpmProvider.AZURE_SNP_VTPM, snp, AzureSettings.DEFAULT_TD_QUOTE_URL);
    assertTrue(p.canGather());
    Evidence e = p.gather(new EvidenceRequest(REPORT_DATA, NONCE));
    assertArrayEquals(
        Arrays.copyOf(REPORT_DATA, 64),
        TpmTestAccess.readNv(swtpm.address(), AzureSettings.REPORT_DATA_NV_INDEX));
    assertArrayEquals(hcl, e.report());

    Policy template = VtpmPolicyTemplates.fromEvidence(e, Instant.now());
    assertEquals(
        Map.of("measurements", java.util.List.of("5a".repeat(48))), template.rules().get("snp"));
    Verdict v = p.verify(new VerificationRequest(e, withRequest(template), Instant.now(), true));
    assertPassed(v);
    assertTrue(finding(v, "azure.runtime_data").passed());
    assertTrue(finding(v, "report_data").passed());
    assertTrue(finding(v, "vtpm.nonce").passed());
    assertEquals("TEST-VM", v.claims().get("azure.vm_unique_id"));
    assertArrayEquals(hw, snp.requests.get(0).evidence().report());
  }

  @Test
  void tdxEvidenceFetchesTheTdQuoteFromTheMetadataService() throws Exception {
    byte[] td = new byte[1024];
    System.arraycopy(sha256(runtime()), 0, td, 0x80, 32);
    Arrays.fill(td, 0x210, 0x210 + 48, (byte) 0x3c);
    byte[] hcl = hcl(4, Arrays.copyOf(td, 1184));
    TpmTestAccess.writeNv(swtpm.address(), AzureSettings.HCL_REPORT_NV_INDEX, hcl);
    byte[] quote = Vectors.read("tpm/azure-tdx-vtpm/td-quote.bin");
    AtomicReference<byte[]> asked = new AtomicReference<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/acc/tdquote",
        x -> {
          String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String report = body.replaceAll(".*\"report\"\\s*:\\s*\"([^\"]+)\".*", "$1");
          asked.set(Base64.getUrlDecoder().decode(report));
          byte[] out = ("{\"quote\":\"" + b64(quote) + "\"}").getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(200, out.length);
          x.getResponseBody().write(out);
          x.close();
        });
    server.createContext(
        "/broken",
        x -> {
          x.sendResponseHeaders(503, -1);
          x.close();
        });
    server.start();
    try {
      URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      RecordingProvider tdx = new RecordingProvider("tdx", true);
      AzureVtpmProvider p =
          provider(AzureVtpmProvider.AZURE_TDX_VTPM, tdx, base.resolve("/acc/tdquote"));
      Evidence e = p.gather(new EvidenceRequest(REPORT_DATA, NONCE));
      assertArrayEquals(td, asked.get());
      assertArrayEquals(quote, e.attachments().get("td_quote"));
      Policy template = VtpmPolicyTemplates.fromEvidence(e, Instant.now());
      Verdict v = p.verify(new VerificationRequest(e, withRequest(template), Instant.now(), true));
      assertPassed(v);
      assertArrayEquals(quote, tdx.requests.get(0).evidence().report());
      assertEquals(
          Map.of("mrtd", java.util.List.of("3c".repeat(48))),
          tdx.requests.get(0).policy().rules().get("tdx"));

      AzureVtpmProvider broken =
          provider(AzureVtpmProvider.AZURE_TDX_VTPM, tdx, base.resolve("/broken"));
      AttestationException x =
          assertThrows(
              AttestationException.class,
              () -> broken.gather(new EvidenceRequest(REPORT_DATA, NONCE)));
      assertTrue(x.getMessage().contains("HTTP 503"), x.getMessage());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aTpmWithoutAnHclReportIsNotAnAzureVm() throws Exception {
    try (Swtpm plain = Swtpm.start(Files.createDirectories(dir.resolve("plain")))) {
      TpmTestAccess.persistRsaAk(plain.address(), (int) AzureSettings.AK_HANDLE);
      AzureVtpmProvider p =
          new AzureVtpmProvider(
              AzureVtpmProvider.AZURE_SNP_VTPM,
              VtpmSettings.defaults()
                  .withDevice(plain.address())
                  .withAkHandle(AzureSettings.AK_HANDLE),
              new AzureSettings(
                  Duration.ZERO, AzureSettings.DEFAULT_TD_QUOTE_URL, Duration.ofSeconds(1)),
              id -> Optional.empty());
      // A TPM that opens is not enough: without the HCL report this is no Azure VM, and the
      // agent must not pick this provider over plain vtpm.
      assertFalse(p.canGather(), "an Azure provider claims a plain vTPM");
      assertTrue(new VtpmProvider(VtpmSettings.defaults().withDevice(plain.address())).canGather());
      AttestationException x =
          assertThrows(
              AttestationException.class, () -> p.gather(new EvidenceRequest(REPORT_DATA, NONCE)));
      assertTrue(x.getMessage().contains("0x01400001"), x.getMessage());
    }
  }
}
