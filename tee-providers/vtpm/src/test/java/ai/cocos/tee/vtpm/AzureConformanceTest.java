package ai.cocos.tee.vtpm;

import static ai.cocos.tee.vtpm.GceConformanceTest.assertFailedOn;
import static ai.cocos.tee.vtpm.GceConformanceTest.assertPassed;
import static ai.cocos.tee.vtpm.GceConformanceTest.finding;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.vtpm.internal.Vectors;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Azure vectors ({@code tpm/azure-*}): the vTPM side (HCL parsing, runtime-data binding, the
 * HCLAkPub key, the quote, nonce and PCRs) verified for real, and the hand-over of the hardware
 * report to the SEV-SNP / TDX provider checked byte for byte with a recording stand-in provider
 * (the real providers' own conformance tests cover the hardware reports). Every negative recipe of
 * the vectors README for these files fails on the finding it names.
 */
class AzureConformanceTest {
  static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
  static final HexFormat HEX = HexFormat.of();
  static final String MILAN = "tpm/azure-snp-vtpm-milan/";
  static final String TDX = "tpm/azure-tdx-vtpm/";
  static final String CHALLENGE = "6368616c6c656e6765";

  static Policy policy(String platform, String body) throws Exception {
    return PolicyDocument.parse("{\"platform\": \"" + platform + "\", " + body + "}");
  }

  static Evidence milan(byte[] hcl, byte[] quoteJson) {
    return VtpmEvidence.azure(
        AzureVtpmProvider.AZURE_SNP_VTPM,
        hcl,
        quoteJson,
        Map.of("snp.cert_chain", Vectors.read(MILAN + "vcek-ask-ark.pem")));
  }

  static Evidence milan() {
    return milan(Vectors.read(MILAN + "hcl-report.bin"), Vectors.read(MILAN + "tpm-quote.json"));
  }

  static Policy milanPolicy(String nonce) throws Exception {
    return policy(
        "azure-snp-vtpm",
        "\"vtpm\": {\"pcrs\": {\"sha256\": {\"0\":"
            + " [\"f3a7e99a5f819a034386bce753a48a73cfdaa0bea0ecfc124bedbf5a8c4799be\"], \"7\":"
            + " [\"32fe42b385b47cb22c906b8a7e4f134e9f2270818f90e94072d1101ef72f1c00\"]}}, \"nonce\":"
            + " \""
            + nonce
            + "\"}, \"snp\": {\"measurements\":"
            + " [\"9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315\"]}");
  }

  static Verdict verify(AzureVtpmProvider p, Evidence e, Policy policy) {
    return p.verify(new VerificationRequest(e, policy, AT, true));
  }

  static AzureVtpmProvider provider(String platform, TeeProvider hardware) {
    return AzureVtpmProvider.of(platform, List.of(hardware));
  }

  @Test
  void milanPassesAndHandsTheSnpReportAndBindingToTheSnpProvider() throws Exception {
    RecordingProvider snp = new RecordingProvider("snp", true);
    Verdict v = verify(provider("azure-snp-vtpm", snp), milan(), milanPolicy(CHALLENGE));
    assertPassed(v);
    for (String rule :
        List.of(
            "azure.hcl_report.type",
            "azure.runtime_data",
            "azure.ak",
            "quote.magic",
            "quote.signature",
            "quote.pcr_digest",
            "vtpm.nonce",
            "vtpm.pcrs.sha256.0",
            "vtpm.pcrs.sha256.7",
            "snp.report.signature")) {
      assertTrue(finding(v, rule).passed(), rule);
    }
    assertEquals(
        "0daff74c2fca14910b1e9b54a384707434c3365db9f163cc73a39a9f7500833f",
        finding(v, "quote.pcr_digest").found());
    assertEquals("recorded", v.claims().get("snp.measurement"));
    assertEquals("911B0EF8-9DBA-48B0-B275-4E4DF2D39252", v.claims().get("azure.vm_unique_id"));

    VerificationRequest handed = snp.requests.get(0);
    assertEquals("snp", handed.evidence().platform());
    assertArrayEquals(Vectors.read(MILAN + "extracted/snp_report.bin"), handed.evidence().report());
    assertArrayEquals(
        Vectors.read(MILAN + "vcek-ask-ark.pem"),
        handed.evidence().attachments().get("cert_chain"));
    assertEquals("snp", handed.policy().platform());
    assertEquals(
        "b3fbad6514c83caeb0380882145e49f794229ef37c421b91fc47ff93556bafac" + "00".repeat(32),
        handed.policy().rules().get("report_data"));
    assertEquals(
        Map.of(
            "measurements",
            List.of(
                "9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315")),
        handed.policy().rules().get("snp"));
    assertEquals(AT, handed.at());
    assertTrue(handed.offline());
  }

  @Test
  void theHardwareProvidersFailureFailsTheVerdict() throws Exception {
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", false)),
            milan(),
            milanPolicy(CHALLENGE));
    assertFailedOn(v, "snp.report.signature");
  }

  @Test
  void aMissingSnpProviderFailsNamingIt() throws Exception {
    AzureVtpmProvider p =
        new AzureVtpmProvider(
            "azure-snp-vtpm",
            VtpmSettings.defaults(),
            AzureSettings.defaults(),
            id -> Optional.empty());
    Verdict v = verify(p, milan(), milanPolicy(CHALLENGE));
    assertFailedOn(v, "snp.provider");
    assertTrue(finding(v, "snp.provider").message().contains("tee-providers/sev-snp"));
  }

  @Test
  void milanV3BindsTheExpectedReportDataThroughNonceAndUserData() throws Exception {
    String rd =
        "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef";
    RecordingProvider snp = new RecordingProvider("snp", true);
    Evidence e =
        VtpmEvidence.fromTrusteeAzureSnp(Vectors.read("tpm/azure-snp-vtpm-milan-v3/evidence.json"));
    Policy p =
        policy(
            "azure-snp-vtpm",
            "\"report_data\": \""
                + rd
                + "\", \"vtpm\": {\"nonce\": \""
                + rd
                + "\", \"pcrs\": {\"sha256\": {\"0\":"
                + " [\"84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7\"]}}}");
    Verdict v = verify(provider("azure-snp-vtpm", snp), e, p);
    assertPassed(v);
    assertTrue(finding(v, "report_data").passed());
    assertEquals(
        "2304510eb15046d5c940e957b6ac93bc805e3ffcadb38e0a1b95442e552cb004",
        finding(v, "quote.pcr_digest").found());
    assertArrayEquals(
        Vectors.read("tpm/azure-snp-vtpm-milan-v3/extracted/vcek.der"),
        snp.requests.get(0).evidence().attachments().get("vcek"));
    assertEquals(
        "cf7cc0731c50f64876804b3943b2bfbd93dba69f5928e3df223e78ff34dd46ee" + "00".repeat(32),
        snp.requests.get(0).policy().rules().get("report_data"));
    // The measurement was left to vtpm.pcrs: the report's own is pinned for the SNP provider.
    assertTrue(finding(v, "snp.measurements").passed());

    Verdict wrong =
        verify(
            provider("azure-snp-vtpm", snp),
            e,
            policy(
                "azure-snp-vtpm",
                "\"report_data\": \"123abc\", \"vtpm\": {\"pcrs\": {\"sha256\": {\"0\":"
                    + " [\"84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7\"]}}}"));
    assertFailedOn(wrong, "report_data");
  }

  @Test
  void genoaVersion0EvidencePasses() throws Exception {
    String rd =
        "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f";
    RecordingProvider snp = new RecordingProvider("snp", true);
    Evidence e =
        VtpmEvidence.fromTrusteeAzureSnp(Vectors.read("tpm/azure-snp-vtpm-genoa/evidence.json"));
    Verdict v =
        verify(
            provider("azure-snp-vtpm", snp),
            e,
            policy(
                "azure-snp-vtpm",
                "\"vtpm\": {\"nonce\": \""
                    + rd
                    + "\", \"pcrs\": {\"sha256\": {\"0\":"
                    + " [\"afd689d0bb1c5f36f023fbaf574135f555a28a10c1f6b938d2a25e70c7783338\"]}}},"
                    + " \"snp\": {\"measurements\":"
                    + " [\"f57dc09a507c6ecd82369bffb600f0003792f4d99bc26e985ec0c266fc34faf3706faf814c9e61065768a6ff917c89ae\"]}"));
    assertPassed(v);
    assertEquals(
        "2b30a66d715a7801b86d7912b710838bd3bd8d9aeec7c7135563f938cf8b3399",
        finding(v, "quote.pcr_digest").found());
    assertArrayEquals(
        Vectors.read("tpm/azure-snp-vtpm-genoa/extracted/snp_report.bin"),
        snp.requests.get(0).evidence().report());
  }

  static Evidence tdx(byte[] hcl) {
    return VtpmEvidence.azure(
        AzureVtpmProvider.AZURE_TDX_VTPM,
        hcl,
        Vectors.read(TDX + "tpm-quote.json"),
        Map.of("td_quote", Vectors.read(TDX + "td-quote.bin")));
  }

  static Policy tdxPolicy() throws Exception {
    return policy(
        "azure-tdx-vtpm",
        "\"vtpm\": {\"nonce\": \""
            + CHALLENGE
            + "\", \"pcrs\": {\"sha256\": {\"0\":"
            + " [\"782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273\"]}}}, \"tdx\":"
            + " {\"mrtd\":"
            + " [\"024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b\"]}");
  }

  @Test
  void tdxPassesAndHandsTheTdQuoteToTheTdxProvider() throws Exception {
    RecordingProvider tdx = new RecordingProvider("tdx", true);
    Verdict v =
        verify(
            provider("azure-tdx-vtpm", tdx),
            tdx(Vectors.read(TDX + "hcl-report.bin")),
            tdxPolicy());
    assertPassed(v);
    assertTrue(finding(v, "azure.td_report.report_data").passed());
    assertTrue(finding(v, "tdx.report.signature").passed());
    assertEquals(
        "6c0e21d918212d57872a752bcf358355d508d1d5b8cb632259b898b15f9f658d",
        finding(v, "quote.pcr_digest").found());
    VerificationRequest handed = tdx.requests.get(0);
    assertEquals("tdx", handed.evidence().platform());
    assertArrayEquals(Vectors.read(TDX + "td-quote.bin"), handed.evidence().report());
    assertEquals(
        "9734504f161d104c74e3165c15f779b06a9bb40dfa71937817d7eee68e593839" + "00".repeat(32),
        handed.policy().rules().get("report_data"));
  }

  @Test
  void tdxWithoutTheTdQuoteFails() throws Exception {
    Evidence e =
        VtpmEvidence.azure(
            AzureVtpmProvider.AZURE_TDX_VTPM,
            Vectors.read(TDX + "hcl-report.bin"),
            Vectors.read(TDX + "tpm-quote.json"),
            Map.of());
    assertFailedOn(
        verify(provider("azure-tdx-vtpm", new RecordingProvider("tdx", true)), e, tdxPolicy()),
        "azure.td_quote");
  }

  // --- The vectors README's negative recipes for tpm/azure-* ---

  static byte[] mutate(String file, int offset, int value, boolean add) {
    byte[] b = Vectors.read(file);
    b[offset] = (byte) (add ? b[offset] + value : value);
    return b;
  }

  @Test
  void recipeSnpReportedTcbZeroedIsHandedToTheSnpProviderAndBreaksNothingElse() throws Exception {
    // byte 0x1A6 (SNP REPORTED_TCB.snp) = 0: the SNP provider rejects it (its own tests prove
    // the TCB check); here: the mutated report is what it receives.
    byte[] hcl = mutate(MILAN + "hcl-report.bin", 0x1A6, 0, false);
    RecordingProvider snp = new RecordingProvider("snp", false);
    Verdict v =
        verify(
            provider("azure-snp-vtpm", snp),
            milan(hcl, Vectors.read(MILAN + "tpm-quote.json")),
            milanPolicy(CHALLENGE));
    assertFalse(v.passed());
    assertEquals(0, snp.requests.get(0).evidence().report()[0x1A6 - 0x20]);
    assertTrue(finding(v, "azure.runtime_data").passed());
  }

  @Test
  void recipeRuntimeDataChangedBreaksTheBinding() throws Exception {
    byte[] hcl = mutate(MILAN + "hcl-report.bin", 0x6E0, 1, true);
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", true)),
            milan(hcl, Vectors.read(MILAN + "tpm-quote.json")),
            milanPolicy(CHALLENGE));
    assertFailedOn(v, "azure.runtime_data");
  }

  @Test
  void recipeJwkBrokenMeansNoAk() throws Exception {
    byte[] hcl = mutate(MILAN + "hcl-report.bin", 0x540, 0, false);
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", true)),
            milan(hcl, Vectors.read(MILAN + "tpm-quote.json")),
            milanPolicy(CHALLENGE));
    assertFailedOn(v, "azure.ak");
    assertFailedOn(v, "quote.signature");
  }

  static byte[] quoteJson(java.util.function.UnaryOperator<Map<String, Object>> change)
      throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> m =
        new HashMap<>(
            (Map<String, Object>)
                ai.cocos.attestation.Json.parse(Vectors.text(MILAN + "tpm-quote.json")));
    return ai.cocos.attestation.Json.write(change.apply(m)).getBytes();
  }

  @Test
  void recipeSignatureByteFlippedFailsTheSignature() throws Exception {
    byte[] q =
        quoteJson(
            m -> {
              byte[] s = HEX.parseHex((String) m.get("signature"));
              s[0] ^= 1;
              m.put("signature", HEX.formatHex(s));
              return m;
            });
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", true)),
            milan(Vectors.read(MILAN + "hcl-report.bin"), q),
            milanPolicy(CHALLENGE));
    assertFailedOn(v, "quote.signature");
  }

  @Test
  void recipeReversedNonceFails() throws Exception {
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", true)),
            milan(),
            milanPolicy(HEX.formatHex("egnellahc".getBytes())));
    assertFailedOn(v, "vtpm.nonce");
  }

  @Test
  void recipePcr0ByteFlippedBreaksTheDigest() throws Exception {
    byte[] q =
        quoteJson(
            m -> {
              List<Object> pcrs = new java.util.ArrayList<>((List<?>) m.get("pcrs"));
              byte[] p0 = HEX.parseHex((String) pcrs.get(0));
              p0[0] ^= 1;
              pcrs.set(0, HEX.formatHex(p0));
              m.put("pcrs", pcrs);
              return m;
            });
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", true)),
            milan(Vectors.read(MILAN + "hcl-report.bin"), q),
            milanPolicy(CHALLENGE));
    assertFailedOn(v, "quote.pcr_digest");
  }

  @Test
  void recipeTdxRuntimeDataChangedBreaksTheBinding() throws Exception {
    byte[] hcl = mutate(TDX + "hcl-report.bin", 0x880, 1, true);
    Verdict v =
        verify(
            provider("azure-tdx-vtpm", new RecordingProvider("tdx", true)), tdx(hcl), tdxPolicy());
    assertFailedOn(v, "azure.runtime_data");
    assertFailedOn(v, "azure.td_report.report_data");
  }

  @Test
  void aTdxHclReportIsNotSnpEvidence() throws Exception {
    Evidence e =
        VtpmEvidence.azure(
            AzureVtpmProvider.AZURE_SNP_VTPM,
            Vectors.read(TDX + "hcl-report.bin"),
            Vectors.read(TDX + "tpm-quote.json"),
            Map.of());
    Verdict v =
        verify(
            provider("azure-snp-vtpm", new RecordingProvider("snp", true)),
            e,
            milanPolicy(CHALLENGE));
    assertFailedOn(v, "azure.hcl_report.type");
  }
}
