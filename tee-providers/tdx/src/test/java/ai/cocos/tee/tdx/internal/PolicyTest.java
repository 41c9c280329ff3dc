package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.TdxFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The policy's tdx section on the Phala quote (which passes with full collateral): every rule, when
 * it does not hold, fails with the policy's expected value and the evidence's found value, and
 * nothing else fails.
 */
class PolicyTest {
  private static final String MRTD =
      "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7";
  private static final String OTHER48 = "ab".repeat(48);

  private final TdxVerifier verifier = verifier();

  private Verdict check(String tdxMembers) {
    return check("", tdxMembers);
  }

  private Verdict check(String top, String tdxMembers) {
    String json =
        "{\"platform\":\"tdx\"" + top + ",\"tdx\":{\"mrtd\":[\"" + MRTD + "\"]" + tdxMembers + "}}";
    return verify(verifier, phala(), policy(json), PHALA_AT);
  }

  @Test
  void everyRuleThatHoldsPasses() {
    Evidence e = phala();
    Map<String, String> f = TdxQuoteFields.read(e.report());
    Verdict v =
        check(
            ",\"report_data\":\"" + f.get("report_data") + "\"",
            ",\"rtmrs\":[[\""
                + f.get("rtmr0")
                + "\",null,\""
                + f.get("rtmr2")
                + "\",null]]"
                + ",\"mr_seam\":[\""
                + f.get("mr_seam")
                + "\"]"
                + ",\"mr_signer_seam\":[\""
                + "00".repeat(48)
                + "\"]"
                + ",\"mr_config_id\":[\""
                + "00".repeat(48)
                + "\"]"
                + ",\"mr_owner\":[\""
                + "00".repeat(48)
                + "\"]"
                + ",\"mr_owner_config\":[\""
                + "00".repeat(48)
                + "\"]"
                + ",\"td_attributes\":[\""
                + f.get("td_attributes")
                + "\"]"
                + ",\"xfam\":[\""
                + f.get("xfam")
                + "\"]"
                + ",\"minimum_tee_tcb_svn\":\""
                + f.get("tee_tcb_svn")
                + "\""
                + ",\"minimum_qe_svn\":6,\"minimum_pce_svn\":11"
                + ",\"qe_vendor_ids\":[\"939a7233f79c4ca9940a0db3957f0607\"]"
                + ",\"accepted_tcb_status\":[\"UpToDate\"],\"debug_allowed\":false"
                + ",\"roots\":[\""
                + Roots.INTEL_SGX_ROOT_CA_SHA256
                + "\"],\"check_crl\":true");
    assertTrue(v.passed(), describe(v));
    for (String rule :
        List.of(
            "report_data",
            "tdx.rtmrs",
            "tdx.mr_seam",
            "tdx.mr_signer_seam",
            "tdx.mr_config_id",
            "tdx.mr_owner",
            "tdx.mr_owner_config",
            "tdx.td_attributes",
            "tdx.xfam",
            "tdx.minimum_tee_tcb_svn",
            "tdx.minimum_qe_svn",
            "tdx.minimum_pce_svn",
            "tdx.qe_vendor_ids",
            "tdx.accepted_tcb_status",
            "tdx.debug_allowed",
            "tdx.roots")) {
      assertTrue(finding(v, rule).passed(), rule);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "tdx.mr_seam | ,\"mr_seam\":[\"OTHER48\"] | OTHER48 | 5b38e33a6487958b",
        "tdx.mr_signer_seam | ,\"mr_signer_seam\":[\"OTHER48\"] | OTHER48 | 000000000000",
        "tdx.mr_config_id | ,\"mr_config_id\":[\"OTHER48\"] | OTHER48 | 000000000000",
        "tdx.mr_owner | ,\"mr_owner\":[\"OTHER48\"] | OTHER48 | 000000000000",
        "tdx.mr_owner_config | ,\"mr_owner_config\":[\"OTHER48\"] | OTHER48 | 000000000000",
        "tdx.td_attributes | ,\"td_attributes\":[\"0000000000000000\"] | 0000000000000000 | 0000001000000000",
        "tdx.xfam | ,\"xfam\":[\"e718060000000000\"] | e718060000000000 | e702060000000000",
        "tdx.minimum_tee_tcb_svn | ,\"minimum_tee_tcb_svn\":\"07010300000000000000000000000000\" | >= 07010300000000000000000000000000 | 06010300000000000000000000000000",
        "tdx.minimum_qe_svn | ,\"minimum_qe_svn\":7 | >= 7 | 6",
        "tdx.minimum_pce_svn | ,\"minimum_pce_svn\":12 | >= 12 | 11",
        "tdx.qe_vendor_ids | ,\"qe_vendor_ids\":[\"00000000000000000000000000000000\"] | 00000000000000000000000000000000 | 939a7233f79c4ca9940a0db3957f0607",
        "tdx.accepted_tcb_status | ,\"accepted_tcb_status\":[\"OutOfDate\"] | OutOfDate | UpToDate",
        "tdx.roots | ,\"roots\":[\""
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            + "\"] | 0123456789abcdef | 44a0196b2b99f889",
        "tdx.rtmrs | ,\"rtmrs\":[[null,null,null,\"OTHER48\"]] | [any, any, any, | [44c0197b",
      })
  void aRuleThatDoesNotHoldFailsWithExpectedAndFound(
      String rule, String member, String expected, String found) {
    Verdict v = check(member.replace("OTHER48", OTHER48));
    assertFalse(v.passed());
    Verdict.Finding f = finding(v, rule);
    assertFalse(f.passed(), describe(v));
    String exp = expected.replace("OTHER48", OTHER48);
    assertTrue(f.expected().contains(exp), f.expected());
    assertTrue(f.found().contains(found), f.found());
    assertFalse(f.message().isBlank());
    if (rule.equals("tdx.roots")) {
      // Nothing chains to a root the policy does not trust.
      assertTrue(finding(v, "pck.chain").message().contains("no trusted root"), describe(v));
      return;
    }
    // Only that rule fails.
    assertEquals(Set.of(rule), failed(v), describe(v));
  }

  @Test
  void wrongMrtdAndReportDataFail() {
    Verdict v =
        verify(
            verifier,
            phala(),
            policy(
                "{\"platform\":\"tdx\",\"report_data\":\"0102\",\"tdx\":{\"mrtd\":[\""
                    + OTHER48
                    + "\"]}}"),
            PHALA_AT);
    assertEquals(Set.of("tdx.mrtd", "report_data"), failed(v), describe(v));
    assertEquals(OTHER48, finding(v, "tdx.mrtd").expected());
    assertEquals(MRTD, finding(v, "tdx.mrtd").found());
    assertTrue(finding(v, "report_data").expected().startsWith("0102000000"));
    assertTrue(finding(v, "report_data").found().startsWith("9a9d48e7"));
  }

  @Test
  void aPolicyPinningNoMrtdRejects() {
    Verdict v = verify(verifier, phala(), new Policy("tdx", Map.of("report_data", "00")), PHALA_AT);
    assertFalse(v.passed());
    assertTrue(failed(v).contains("policy") || failed(v).contains("tdx.mrtd"), describe(v));
  }

  @Test
  void emptyForeignUnknownAndEmptyAllowListPoliciesReject() {
    Evidence e = phala();
    for (Policy p :
        List.of(
            new Policy("tdx", Map.of()),
            new Policy("snp", Map.of("snp", Map.of("measurements", List.of("00".repeat(48))))),
            new Policy("tdx", Map.of("tdx", Map.of("mrtd", List.of(MRTD), "mrtd_typo", true))),
            new Policy("tdx", Map.of("tdx", Map.of("mrtd", List.of()))))) {
      Verdict v = verify(verifier, e, p, PHALA_AT);
      assertFalse(v.passed(), p.toString());
      assertTrue(v.failures().stream().anyMatch(f -> f.rule().startsWith("policy")), describe(v));
      // The cryptographic findings are still reported for the user.
      assertTrue(finding(v, "quote.signature").passed());
    }
  }

  @Test
  void debugTdIsRejectedUnlessAllowed() {
    // No vector has DEBUG set: set the bit (the quote signature then fails too, as it must) and
    // show that the debug rule is evaluated on the quoted attributes with expected and found.
    Evidence base = phala();
    byte[] q = base.report();
    q[QuoteFormat.HEADER_SIZE + QuoteFormat.BODY_TD_ATTRIBUTES] |= 1;
    Evidence e = new Evidence("tdx", q, base.attachments());
    Verdict v = verify(verifier, e, pinMrtd(base), PHALA_AT);
    Verdict.Finding f = finding(v, "tdx.debug_allowed");
    assertFalse(f.passed());
    assertEquals("TD debug mode off", f.expected());
    assertEquals("TD debug mode on", f.found());
    assertEquals("true", v.claims().get("debug"));
    assertFalse(finding(v, "quote.signature").passed());
    Verdict allowed =
        verify(
            verifier,
            e,
            policy(
                "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                    + MRTD
                    + "\"],\"debug_allowed\":true}}"),
            PHALA_AT);
    assertTrue(finding(allowed, "tdx.debug_allowed").passed());
  }

  @Test
  void requiredEventLogMustBeAttachedAndReplay() {
    Verdict v = check(",\"event_log_required\":true");
    assertEquals(Set.of("tdx.event_log_required"), failed(v), describe(v));
    // A CCEL log that does not belong to this quote fails the replay.
    Evidence base = phala();
    java.util.Map<String, byte[]> a = new java.util.HashMap<>(base.attachments());
    a.put(TdxVerifier.CCEL, Vectors.read("tdx/v4-gcp-cos113-ccel/ccel_data.bin"));
    Verdict wrong =
        verify(verifier, new Evidence("tdx", base.report(), a), pinMrtd(base), PHALA_AT);
    assertEquals(Set.of("event_log.replay"), failed(wrong), describe(wrong));
    assertTrue(finding(wrong, "event_log.replay").message().contains("RTMR0 replays to"));
  }

  @Test
  void crlChecksCanBeTurnedOffAndSaySo() {
    Evidence base = phala();
    java.util.Map<String, byte[]> a = new java.util.HashMap<>();
    a.put(TdxCollateral.BUNDLE, base.attachments().get(TdxCollateral.BUNDLE));
    a.put(TdxCollateral.PCK_CRL, new byte[] {0x30, 0x00});
    Evidence broken = new Evidence("tdx", base.report(), a);
    Verdict strict = verify(verifier, broken, pinMrtd(base), PHALA_AT);
    assertEquals(Set.of("collateral.pck_crl"), failed(strict), describe(strict));
    Verdict lax = check(",\"check_crl\":false");
    assertTrue(lax.passed(), describe(lax));
    assertEquals("not checked", finding(lax, "tdx.check_crl").found());
  }

  @Test
  void evidenceOfAnotherPlatformIsRejected() {
    Evidence e = new Evidence("snp", phala().report(), Map.of());
    Verdict v = verify(verifier, e, pinMrtd(phala()), PHALA_AT);
    assertEquals(Set.of("evidence.platform"), failed(v));
  }
}
