package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.TdxFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Verdict;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every tdx/ vector of the vectors README (and the Azure TD quote) reaches the stated verdict at
 * the stated time, findings by findings.
 */
class ConformanceTest {
  private final TdxVerifier verifier = verifier();

  @Test
  void sprQuoteIsValidButMatchesNoTcbLevel() {
    Evidence e = spr();
    Verdict v = verify(verifier, e, pinMrtd(e), SPR_AT);
    assertEquals(Set.of("tdx.accepted_tcb_status"), failed(v), describe(v));
    for (String rule :
        new String[] {
          "quote.signature",
          "pck.chain",
          "qe_report.signature",
          "qe_report.binding",
          "collateral.tcb_info",
          "collateral.qe_identity",
          "collateral.root_ca_crl",
          "collateral.pck_crl",
          "qe.identity",
          "tdx_module.identity",
          "tdx.mrtd"
        }) {
      assertTrue(finding(v, rule).passed(), rule + describe(v));
    }
    assertEquals("no matching TCB level", v.claims().get("tcb_status"));
    assertTrue(finding(v, "tdx.accepted_tcb_status").message().contains("no matching TCB level"));
    assertEquals("UpToDate", v.claims().get("qe_tcb_status"));
    assertTrue(finding(v, "qe.identity").found().contains("ISVSVN 4"));
  }

  @Test
  void sprIn2053HasAnExpiredPckAndTcbInfo() {
    Evidence e = spr();
    Verdict v = verify(verifier, e, pinMrtd(e), Instant.parse("2053-07-01T00:00:00Z"));
    assertFalse(v.passed());
    assertTrue(finding(v, "pck.chain").message().contains("expired"), describe(v));
    assertTrue(finding(v, "collateral.tcb_info").message().contains("expired"), describe(v));
    assertTrue(finding(v, "quote.signature").passed());
  }

  @Test
  void v5QuoteIsValidAndItsTcbUpToDateButNoQeIdentityShips() {
    Evidence e = v5();
    Verdict v = verify(verifier, e, pinMrtd(e), V5_AT);
    assertEquals(
        Set.of(
            "collateral.qe_identity",
            "collateral.pck_crl",
            "collateral.root_ca_crl",
            "qe.identity",
            "tdx.accepted_tcb_status"),
        failed(v),
        describe(v));
    assertTrue(finding(v, "quote.signature").passed());
    assertTrue(finding(v, "collateral.tcb_info").passed(), describe(v));
    assertTrue(finding(v, "tdx_module.identity").passed());
    // The platform and module levels are UpToDate; without a QE identity the verdict fails closed.
    assertEquals("UpToDate", v.claims().get("tcb_status"));
    assertTrue(
        finding(v, "collateral.qe_identity").message().contains("attach it as 'qe_identity'"));
  }

  @Test
  void phalaQuoteWithFullCollateralPasses() {
    Evidence e = phala();
    Verdict v = verify(verifier, e, pinMrtd(e), PHALA_AT);
    assertTrue(v.passed(), describe(v));
    assertEquals("UpToDate", v.claims().get("tcb_status"));
    assertEquals(null, v.claims().get("advisory_ids"));
    assertEquals("b0c06f000000", v.claims().get("fmspc"));
    assertEquals(
        "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7",
        v.claims().get("mrtd"));
    assertTrue(finding(v, "quote.format").found().contains("70 unsigned padding bytes"));
  }

  @Test
  void phalaCollateralExpiresAfterItsWindow() {
    Evidence e = phala();
    Verdict v = verify(verifier, e, pinMrtd(e), Instant.parse("2026-11-21T00:00:00Z"));
    assertFalse(v.passed());
    assertTrue(finding(v, "collateral.tcb_info").message().contains("expired"), describe(v));
    assertTrue(finding(v, "collateral.qe_identity").message().contains("expired"));
    assertTrue(finding(v, "collateral.pck_crl").message().contains("expired"));
  }

  @Test
  void noMatchQuoteFailsOnlyOnItsTcbStatus() {
    Evidence e = noMatch();
    Verdict v = verify(verifier, e, pinMrtd(e), NO_MATCH_AT);
    assertEquals(Set.of("tdx.accepted_tcb_status"), failed(v), describe(v));
    assertEquals("no matching TCB level", v.claims().get("tcb_status"));
    assertTrue(finding(v, "qe.identity").found().contains("ISVSVN 7 (UpToDate)"));
    // Accepting every status Intel defines still does not accept "no matching level".
    Verdict lax =
        verify(
            verifier,
            e,
            policy(
                "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                    + mrtd(e)
                    + "\"],\"accepted_tcb_status\":[\"UpToDate\",\"SWHardeningNeeded\","
                    + "\"ConfigurationNeeded\",\"ConfigurationAndSWHardeningNeeded\",\"OutOfDate\","
                    + "\"OutOfDateConfigurationNeeded\",\"Revoked\"]}}"),
            NO_MATCH_AT);
    assertEquals(Set.of("tdx.accepted_tcb_status"), failed(lax), describe(lax));
  }

  @Test
  void gcpQuoteReplaysItsCcelAndBindsTheNonce() {
    Evidence e = gcp();
    Verdict v =
        verify(
            verifier,
            e,
            policy(
                "{\"platform\":\"tdx\",\"report_data\":\""
                    + "00".repeat(64)
                    + "\",\"tdx\":{\"mrtd\":[\""
                    + mrtd(e)
                    + "\"],\"event_log_required\":true}}"),
            GCP_AT);
    assertEquals(
        Set.of(
            "collateral.tcb_info",
            "collateral.qe_identity",
            "collateral.pck_crl",
            "collateral.root_ca_crl",
            "qe.identity",
            "tdx.accepted_tcb_status"),
        failed(v),
        describe(v));
    assertTrue(finding(v, "event_log.replay").passed());
    assertEquals("events per RTMR: 16, 7, 20, 0", finding(v, "event_log.replay").found());
    assertTrue(finding(v, "report_data").passed());
    assertTrue(finding(v, "quote.format").found().contains("3065 unsigned padding bytes"));
  }

  @Test
  void azureTdQuoteIsCryptographicallyValid() {
    Evidence e = azure();
    Verdict v = verify(verifier, e, pinMrtd(e), GCP_AT);
    for (String rule :
        new String[] {"quote.signature", "pck.chain", "qe_report.signature", "qe_report.binding"}) {
      assertTrue(finding(v, rule).passed(), rule + describe(v));
    }
    assertEquals("00806f050000", v.claims().get("fmspc"));
    assertEquals("11", v.claims().get("pce_svn"));
    assertTrue(v.claims().get("report_data").startsWith("9734504f"));
  }
}
