package ai.cocos.tee.vtpm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.vtpm.internal.Vectors;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tpm/gce-cos85-vtpm}: a Google Compute Engine vTPM attestation (three quotes, SHA-1 /
 * SHA-256 / SHA-384 banks, nonce 0x9009, an AK certificate under Google's EK/AK CA) must verify at
 * 2025-01-01 in both evidence forms, and each mutation the README lists must fail.
 */
class GceConformanceTest {
  static final String DIR = "tpm/gce-cos85-vtpm/";
  static final String X = DIR + "extracted/";
  static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
  static final String ROOT_1 = "9bd5285f8fb18502a7947e621ffd470266f49fcd3b73e19a190f690ad32a7caf";
  static final String PCR0 = "0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf";
  static final String PCR7 = "3365d7fa2b024c852913c06e04ffbfa6ea5289f743bbf1a76f7ffdf21ed84793";

  final VtpmProvider provider = new VtpmProvider();

  static Policy policy(String vtpm) throws Exception {
    return PolicyDocument.parse("{\"platform\": \"vtpm\", \"vtpm\": " + vtpm + "}");
  }

  static Policy standardPolicy() throws Exception {
    return policy(
        "{\"pcrs\": {\"sha256\": {\"0\": [\""
            + PCR0
            + "\"], \"7\": [\""
            + PCR7
            + "\"]}}, \"nonce\": \"9009\", \"ak_roots\": [\""
            + ROOT_1
            + "\"], \"event_log_required\": true}");
  }

  static Evidence protobuf() {
    return new Evidence("vtpm", Vectors.read(DIR + "attestation-nonce9009.pb"), Map.of());
  }

  /** The same attestation from the extracted files: SHA-256 quote as report, the others extra. */
  static Map<String, byte[]> extracted() {
    Map<String, byte[]> a = new HashMap<>();
    a.put("signature", Vectors.read(X + "quote-sha256-bank.tpmt_signature.bin"));
    a.put("quote.1", Vectors.read(X + "quote-sha1-bank.tpms_attest.bin"));
    a.put("signature.1", Vectors.read(X + "quote-sha1-bank.tpmt_signature.bin"));
    a.put("quote.2", Vectors.read(X + "quote-sha384-bank.tpms_attest.bin"));
    a.put("signature.2", Vectors.read(X + "quote-sha384-bank.tpmt_signature.bin"));
    a.put("ak_pub", Vectors.read(X + "ak_pub.tpmt_public.bin"));
    a.put("ak_cert", Vectors.read(X + "ak_cert.der"));
    a.put("pcrs", Vectors.read(X + "pcrs.json"));
    a.put("event_log", Vectors.read(X + "eventlog.bin"));
    return a;
  }

  static Evidence extractedEvidence(Map<String, byte[]> a) {
    return new Evidence("vtpm", Vectors.read(X + "quote-sha256-bank.tpms_attest.bin"), a);
  }

  Verdict verify(Evidence e, Policy p) {
    return provider.verify(new VerificationRequest(e, p, AT, true));
  }

  static Finding finding(Verdict v, String rule) {
    return v.findings().stream()
        .filter(f -> f.rule().equals(rule))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no finding " + rule + " in " + v.findings()));
  }

  static void assertPassed(Verdict v) {
    assertTrue(v.passed(), () -> "expected a pass, failures: " + v.failures());
  }

  static void assertFailedOn(Verdict v, String rule) {
    assertFalse(v.passed(), "expected a failure on " + rule);
    assertFalse(finding(v, rule).passed(), () -> rule + " should fail: " + v.failures());
  }

  @Test
  void protobufEvidencePassesWithEveryCheckListed() throws Exception {
    Verdict v = verify(protobuf(), standardPolicy());
    assertPassed(v);
    for (String rule :
        List.of(
            "policy",
            "ak.attributes",
            "ak.qualified_name",
            "quote.sha1.signature",
            "quote.sha256.signature",
            "quote.sha384.signature",
            "quote.sha1.pcr_digest",
            "quote.sha256.pcr_digest",
            "quote.sha384.pcr_digest",
            "quotes.consistency",
            "event_log.replay.sha1",
            "event_log.replay.sha256",
            "event_log.replay.sha384",
            "vtpm.nonce",
            "vtpm.pcrs.sha256.0",
            "vtpm.pcrs.sha256.7",
            "ak.certificate.key",
            "vtpm.ak_roots",
            "vtpm.event_log_required")) {
      assertTrue(finding(v, rule).passed(), rule);
    }
    assertEquals(PCR0, v.claims().get("vtpm.pcr.sha256.0"));
    assertEquals("9009", v.claims().get("vtpm.quote.extra_data"));
    assertEquals("10", v.claims().get("vtpm.quote.reset_count"));
    assertEquals(ROOT_1, v.claims().get("vtpm.ak.root.sha256"));
    assertEquals("44", v.claims().get("vtpm.event_log.events"));
    assertEquals(
        "048937cbaaf28af85a5b0c0997e725097a0d94e05fcda104a82ee3fb6b2e1808",
        finding(v, "quote.sha256.pcr_digest").expected());
  }

  @Test
  void extractedEvidencePasses() throws Exception {
    assertPassed(verify(extractedEvidence(extracted()), standardPolicy()));
  }

  @Test
  void spkiAkPinnedByFingerprintPasses() throws Exception {
    Map<String, byte[]> a = extracted();
    a.put("ak_pub", Vectors.read(X + "ak_pub.pem"));
    a.remove("ak_cert");
    String fp =
        ai.cocos.attestation.Certs.sha256(
            ai.cocos.attestation.Certs.readOne(Vectors.read(X + "ak_cert.der"))
                .getPublicKey()
                .getEncoded());
    Verdict v =
        verify(
            extractedEvidence(a),
            policy(
                "{\"pcrs\": {\"sha1\": {\"0\": [\"c032c3b51dbb6f96b047421512fd4b4dfde496f3\"]}},"
                    + " \"nonce\": \"9009\", \"ak_keys\": [\""
                    + fp
                    + "\"]}"));
    assertPassed(v);
    assertTrue(finding(v, "vtpm.ak_keys").passed());
  }

  @Test
  void aDifferentNonceIsRejected() throws Exception {
    Verdict v =
        verify(
            protobuf(),
            policy(
                "{\"pcrs\": {\"sha256\": {\"0\": [\""
                    + PCR0
                    + "\"]}}, \"nonce\": \"9010\","
                    + " \"ak_roots\": [\""
                    + ROOT_1
                    + "\"]}"));
    assertFailedOn(v, "vtpm.nonce");
    assertEquals("9010", finding(v, "vtpm.nonce").expected());
    assertEquals("9009", finding(v, "vtpm.nonce").found());
  }

  @Test
  void aPcrOutsideTheAllowListIsRejectedWithExpectedAndFound() throws Exception {
    String other = "00".repeat(32);
    Verdict v =
        verify(
            protobuf(),
            policy(
                "{\"pcrs\": {\"sha256\": {\"0\": [\""
                    + other
                    + "\"]}}, \"ak_roots\": [\""
                    + ROOT_1
                    + "\"]}"));
    assertFailedOn(v, "vtpm.pcrs.sha256.0");
    assertEquals(other, finding(v, "vtpm.pcrs.sha256.0").expected());
    assertEquals(PCR0, finding(v, "vtpm.pcrs.sha256.0").found());
  }

  @Test
  void anAlteredPcrValueBreaksTheDigest() throws Exception {
    Map<String, byte[]> a = extracted();
    String pcrs = new String(a.get("pcrs")).replace(PCR0, "1" + PCR0.substring(1));
    a.put("pcrs", pcrs.getBytes());
    assertFailedOn(verify(extractedEvidence(a), standardPolicy()), "quote.sha256.pcr_digest");
  }

  @Test
  void theAkCertificateExpiredIn2051() throws Exception {
    Verdict v =
        provider.verify(
            new VerificationRequest(
                protobuf(), standardPolicy(), Instant.parse("2052-01-01T00:00:00Z"), true));
    assertFailedOn(v, "vtpm.ak_roots");
    assertTrue(finding(v, "vtpm.ak_roots").message().contains("expired"), v.failures()::toString);
  }

  @Test
  void aRootThatIsNotPinnedIsRejected() throws Exception {
    Verdict v =
        verify(
            protobuf(),
            policy(
                "{\"pcrs\": {\"sha256\": {\"0\": [\""
                    + PCR0
                    + "\"]}}, \"ak_roots\": [\""
                    + "ab".repeat(32)
                    + "\"]}"));
    assertFailedOn(v, "vtpm.ak_roots");
  }

  @Test
  void aPolicyPinningNoAkRejects() throws Exception {
    Verdict v = verify(protobuf(), policy("{\"pcrs\": {\"sha256\": {\"0\": [\"" + PCR0 + "\"]}}}"));
    assertFailedOn(v, "vtpm.ak_roots");
    assertTrue(finding(v, "vtpm.ak_roots").message().contains("pins no attestation key"));
  }
}
