package ai.cocos.tee.vtpm;

import static ai.cocos.tee.vtpm.GceConformanceTest.assertFailedOn;
import static ai.cocos.tee.vtpm.GceConformanceTest.assertPassed;
import static ai.cocos.tee.vtpm.GceConformanceTest.finding;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import ai.cocos.tee.vtpm.internal.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Azure vectors end to end with the real SEV-SNP and TDX providers (test-scoped: the vTPM
 * bundle never depends on them; it finds them at run time): the embedded SNP report's signature,
 * VCEK chain and TCB are verified by the SEV-SNP provider, the TD quote's by the TDX provider, and
 * their findings join the Azure verdict. Offline, with an empty collateral cache.
 */
class AzureRealProvidersTest {
  static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
  @TempDir Path cache;

  TeeProvider snp() {
    return new SnpProvider(SnpSettings.defaults().withCollateralCache(cache));
  }

  static Verdict verify(TeeProvider azure, Evidence e, Policy p) {
    return azure.verify(new VerificationRequest(e, p, AT, true));
  }

  /** The Milan vector's VCEK and ASK+ARK, as the SEV-SNP provider takes them. */
  static Map<String, byte[]> milanChain() throws Exception {
    List<X509Certificate> certs =
        Certs.read(Vectors.read("tpm/azure-snp-vtpm-milan/vcek-ask-ark.pem"));
    return Map.of(
        "snp.vcek", Certs.der(certs.get(0)),
        "snp.cert_chain",
            Certs.toPem(certs.subList(1, certs.size())).getBytes(StandardCharsets.US_ASCII));
  }

  static Policy milanPolicy(String nonce) throws Exception {
    return PolicyDocument.parse(
        "{\"platform\": \"azure-snp-vtpm\", \"vtpm\": {\"nonce\": \""
            + nonce
            + "\", \"pcrs\": {\"sha256\": {\"0\":"
            + " [\"f3a7e99a5f819a034386bce753a48a73cfdaa0bea0ecfc124bedbf5a8c4799be\"]}}},"
            + " \"snp\": {\"measurements\":"
            + " [\"9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315\"],"
            + " \"minimum_tcb\": {\"bootloader\": 3, \"snp\": 8, \"microcode\": 115},"
            + " \"check_crl\": false}}");
  }

  @Test
  void milanVerifiesWithTheRealSnpProvider() throws Exception {
    Evidence e =
        VtpmEvidence.azure(
            "azure-snp-vtpm",
            Vectors.read("tpm/azure-snp-vtpm-milan/hcl-report.bin"),
            Vectors.read("tpm/azure-snp-vtpm-milan/tpm-quote.json"),
            milanChain());
    Verdict v =
        verify(
            AzureVtpmProvider.of("azure-snp-vtpm", List.of(snp())),
            e,
            milanPolicy(AzureConformanceTest.CHALLENGE));
    assertPassed(v);
    assertTrue(
        v.findings().stream().filter(f -> f.rule().startsWith("snp.")).count() > 5,
        "the SNP provider's findings joined the verdict: " + v.findings());
    assertTrue(finding(v, "snp.report_data").passed());
  }

  @Test
  void recipeSnpReportedTcbZeroedIsRejectedByTheSnpProvider() throws Exception {
    byte[] hcl = Vectors.read("tpm/azure-snp-vtpm-milan/hcl-report.bin");
    hcl[0x1A6] = 0;
    Evidence e =
        VtpmEvidence.azure(
            "azure-snp-vtpm",
            hcl,
            Vectors.read("tpm/azure-snp-vtpm-milan/tpm-quote.json"),
            milanChain());
    Verdict v =
        verify(
            AzureVtpmProvider.of("azure-snp-vtpm", List.of(snp())),
            e,
            milanPolicy(AzureConformanceTest.CHALLENGE));
    assertFalse(v.passed());
    assertTrue(
        v.failures().stream().allMatch(f -> f.rule().startsWith("snp.")),
        "only the hardware report fails: " + v.failures());
  }

  @Test
  void milanV3AndGenoaVerifyWithTheRealSnpProvider() throws Exception {
    Evidence v3 =
        VtpmEvidence.fromTrusteeAzureSnp(Vectors.read("tpm/azure-snp-vtpm-milan-v3/evidence.json"));
    String rd3 =
        "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef";
    Policy p3 =
        PolicyDocument.parse(
            "{\"platform\": \"azure-snp-vtpm\", \"report_data\": \""
                + rd3
                + "\", \"vtpm\": {\"nonce\": \""
                + rd3
                + "\", \"pcrs\": {\"sha256\": {\"0\":"
                + " [\"84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7\"]}}},"
                + " \"snp\": {\"products\": [\"Milan\"], \"check_crl\": false}}");
    // These VCEKs were issued in January 2025 (valid 2025-01-28 and 2025-01-24 to 2032).
    Instant at = Instant.parse("2025-06-01T00:00:00Z");
    AzureVtpmProvider azure = AzureVtpmProvider.of("azure-snp-vtpm", List.of(snp()));
    assertPassed(azure.verify(new VerificationRequest(v3, p3, at, true)));

    Evidence genoa =
        VtpmEvidence.fromTrusteeAzureSnp(Vectors.read("tpm/azure-snp-vtpm-genoa/evidence.json"));
    String rdg =
        "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f";
    Policy pg =
        PolicyDocument.parse(
            "{\"platform\": \"azure-snp-vtpm\", \"vtpm\": {\"nonce\": \""
                + rdg
                + "\", \"pcrs\": {\"sha256\": {\"0\":"
                + " [\"afd689d0bb1c5f36f023fbaf574135f555a28a10c1f6b938d2a25e70c7783338\"]}}},"
                + " \"snp\": {\"products\": [\"Genoa\"], \"check_crl\": false}}");
    assertPassed(azure.verify(new VerificationRequest(genoa, pg, at, true)));
  }

  @Test
  void tdxQuoteIsVerifiedByTheRealTdxProviderAndOnlyMissingCollateralFails() throws Exception {
    TeeProvider tdx = new TdxProvider(TdxSettings.defaults().withCollateralCache(cache));
    Evidence e =
        VtpmEvidence.azure(
            "azure-tdx-vtpm",
            Vectors.read("tpm/azure-tdx-vtpm/hcl-report.bin"),
            Vectors.read("tpm/azure-tdx-vtpm/tpm-quote.json"),
            Map.of("td_quote", Vectors.read("tpm/azure-tdx-vtpm/td-quote.bin")));
    Verdict v =
        verify(
            AzureVtpmProvider.of("azure-tdx-vtpm", List.of(tdx)),
            e,
            AzureConformanceTest.tdxPolicy());
    // The vectors carry no Intel collateral for this platform, so the TCB status cannot be
    // determined and the verdict fails closed; everything else holds.
    assertFalse(v.passed());
    for (Verdict.Finding f : v.failures()) {
      assertTrue(f.rule().startsWith("tdx."), "only the TDX provider's collateral fails: " + f);
    }
    for (Verdict.Finding f : v.findings()) {
      if (!f.rule().startsWith("tdx.")) {
        assertTrue(f.passed(), f.toString());
      }
    }
    System.out.println("azure-tdx-vtpm with the TDX provider, offline, no collateral:");
    v.failures().forEach(f -> System.out.println("  FAIL " + f.rule() + ": " + f.message()));
    v.findings().stream()
        .filter(f -> f.passed() && f.rule().startsWith("tdx."))
        .forEach(f -> System.out.println("  pass " + f.rule()));
  }

  @Test
  void theServiceLoaderLookupAnswersWhatTheClassPathDeclares() throws Exception {
    // This bundle declares its vtpm provider; a hardware provider jar that declares none is
    // reported missing by name rather than silently skipped.
    var lookup = AzureVtpmProvider.serviceLoader();
    assertTrue(lookup.apply("vtpm").orElseThrow() instanceof VtpmProvider);
    AzureVtpmProvider p =
        new AzureVtpmProvider(
            "azure-snp-vtpm", VtpmSettings.defaults(), AzureSettings.defaults(), lookup);
    Evidence e =
        VtpmEvidence.azure(
            "azure-snp-vtpm",
            Vectors.read("tpm/azure-snp-vtpm-milan/hcl-report.bin"),
            Vectors.read("tpm/azure-snp-vtpm-milan/tpm-quote.json"),
            milanChain());
    Verdict v =
        p.verify(new VerificationRequest(e, milanPolicy(AzureConformanceTest.CHALLENGE), AT, true));
    if (lookup.apply("snp").isPresent()) {
      assertPassed(v);
    } else {
      assertFailedOn(v, "snp.provider");
    }
  }
}
