package ai.cocos.tee.vtpm;

import static ai.cocos.tee.vtpm.GceConformanceTest.AT;
import static ai.cocos.tee.vtpm.GceConformanceTest.PCR0;
import static ai.cocos.tee.vtpm.GceConformanceTest.ROOT_1;
import static ai.cocos.tee.vtpm.GceConformanceTest.assertFailedOn;
import static ai.cocos.tee.vtpm.GceConformanceTest.finding;
import static ai.cocos.tee.vtpm.GceConformanceTest.protobuf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.internal.Vectors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Policy handling: what rejects outright (no policy, another platform, unknown or meaningless
 * rules, empty allow-lists, nothing pinned), and that every failed rule names what it expected and
 * what it found.
 */
class PolicyRulesTest {
  final VtpmProvider provider = new VtpmProvider();

  Verdict verify(Evidence e, Policy p) {
    Verdict v = provider.verify(new VerificationRequest(e, p, AT, true));
    for (Verdict.Finding f : v.failures()) {
      assertFalse(f.expected().isBlank(), () -> f.rule() + " has no expected value");
      assertFalse(f.found().isBlank(), () -> f.rule() + " has no found value");
      assertFalse(f.message().isBlank(), () -> f.rule() + " has no message");
    }
    return v;
  }

  static Map<String, Object> vtpm(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static final Map<String, Object> PCRS = Map.of("sha256", Map.of("0", List.of(PCR0)));

  @Test
  void anEmptyPolicyRejects() {
    Verdict v = verify(protobuf(), new Policy("vtpm", Map.of()));
    assertFailedOn(v, "policy");
  }

  @Test
  void aPolicyForAnotherPlatformRejects() {
    Verdict v =
        verify(
            protobuf(),
            new Policy("snp", Map.of("snp", Map.of("measurements", List.of("00".repeat(48))))));
    assertFailedOn(v, "policy");
    assertTrue(finding(v, "policy").found().contains("snp"));
  }

  @Test
  void evidenceOfAnotherPlatformRejects() {
    Evidence e =
        new Evidence("tdx", Vectors.read("tpm/gce-cos85-vtpm/attestation-nonce9009.pb"), Map.of());
    Verdict v =
        verify(
            e, new Policy("vtpm", Map.of("vtpm", vtpm("pcrs", PCRS, "ak_roots", List.of(ROOT_1)))));
    assertFailedOn(v, "evidence.platform");
  }

  @Test
  void anUnknownRuleRejects() {
    Verdict v =
        verify(
            protobuf(),
            new Policy(
                "vtpm",
                Map.of(
                    "vtpm",
                    vtpm("pcrs", PCRS, "ak_roots", List.of(ROOT_1), "pcr_policy", "strict"))));
    assertFailedOn(v, "policy.vtpm.pcr_policy");
  }

  @Test
  void reportDataMeansNothingForAPlainVtpmAndRejects() {
    Verdict v =
        verify(
            protobuf(),
            new Policy(
                "vtpm",
                Map.of(
                    "report_data",
                    "9009",
                    "vtpm",
                    vtpm("pcrs", PCRS, "ak_roots", List.of(ROOT_1)))));
    assertFailedOn(v, "report_data");
  }

  @Test
  void anEmptyAllowListRejects() {
    Verdict v =
        verify(
            protobuf(),
            new Policy("vtpm", Map.of("vtpm", vtpm("pcrs", PCRS, "ak_roots", List.of()))));
    assertFalse(v.passed());
    assertTrue(
        v.failures().stream().anyMatch(f -> f.rule().equals("policy.vtpm.ak_roots")),
        v.failures()::toString);
  }

  @Test
  void aPolicyPinningNoPcrRejects() {
    Verdict v =
        verify(protobuf(), new Policy("vtpm", Map.of("vtpm", vtpm("ak_roots", List.of(ROOT_1)))));
    assertFalse(v.passed());
    assertTrue(
        v.failures().get(0).message().contains("pins no measurement"), v.failures()::toString);
  }

  @Test
  void aPinnedPcrTheQuoteDoesNotCoverFails() {
    Verdict v =
        verify(
            protobuf(),
            new Policy(
                "vtpm",
                Map.of(
                    "vtpm",
                    vtpm(
                        "pcrs",
                        Map.of("sha512", Map.of("0", List.of("00".repeat(64)))),
                        "ak_roots",
                        List.of(ROOT_1)))));
    assertFailedOn(v, "vtpm.pcrs.sha512.0");
    assertEquals("not quoted", finding(v, "vtpm.pcrs.sha512.0").found());
  }

  @Test
  void aRequiredEventLogThatIsMissingFails() {
    Map<String, byte[]> a = GceConformanceTest.extracted();
    a.remove("event_log");
    Verdict v =
        verify(
            GceConformanceTest.extractedEvidence(a),
            new Policy(
                "vtpm",
                Map.of(
                    "vtpm",
                    vtpm("pcrs", PCRS, "ak_roots", List.of(ROOT_1), "event_log_required", true))));
    assertFailedOn(v, "vtpm.event_log_required");
    assertEquals("no event log", finding(v, "vtpm.event_log_required").found());
  }

  @Test
  void everyFailureOfAMismatchedPolicyIsListedAtOnce() {
    Verdict v =
        verify(
            protobuf(),
            new Policy(
                "vtpm",
                Map.of(
                    "vtpm",
                    vtpm(
                        "pcrs",
                        Map.of(
                            "sha256",
                                Map.of(
                                    "0", List.of("11".repeat(32)), "7", List.of("22".repeat(32))),
                            "sha1", Map.of("0", List.of("33".repeat(20)))),
                        "nonce",
                        "0000",
                        "ak_keys",
                        List.of("44".repeat(32))))));
    for (String rule :
        List.of(
            "vtpm.pcrs.sha256.0",
            "vtpm.pcrs.sha256.7",
            "vtpm.pcrs.sha1.0",
            "vtpm.nonce",
            "vtpm.ak_keys")) {
      assertFailedOn(v, rule);
    }
    assertEquals(5, v.failures().size(), v.failures()::toString);
  }

  @Test
  void theEmbeddedTeeAttestationOfAGoTpmToolsMessageIsNotSilentlyTrusted() throws Exception {
    // Field 8 (sev_snp_attestation) appended: the vTPM verdict may pass, but says it did not
    // verify the embedded report.
    byte[] pb = Vectors.read("tpm/gce-cos85-vtpm/attestation-nonce9009.pb");
    byte[] withTee = java.util.Arrays.copyOf(pb, pb.length + 3);
    withTee[pb.length] = 0x42; // field 8, length-delimited
    withTee[pb.length + 1] = 0x01;
    withTee[pb.length + 2] = 0x00;
    Verdict v =
        verify(
            new Evidence("vtpm", withTee, Map.of()),
            new Policy("vtpm", Map.of("vtpm", vtpm("pcrs", PCRS, "ak_roots", List.of(ROOT_1)))));
    assertTrue(v.claims().get("vtpm.tee_attestation").contains("not verified"));
  }
}
