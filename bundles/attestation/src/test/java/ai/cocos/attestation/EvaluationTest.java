package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  static final String M = "ab".repeat(48);
  static final Policy SNP = new Policy("snp", Map.of("snp", Map.of("measurements", List.of(M))));

  @Test
  void aVerdictWithoutFindingsFails() {
    assertFalse(new Evaluation("snp").verdict().passed());
  }

  @Test
  void startChecksPlatformEmptinessAndSchema() {
    Evaluation ok = Evaluation.start("snp", SNP, Set.of("snp"));
    assertTrue(ok.policyUsable());
    assertTrue(ok.verdict().passed());

    Evaluation other =
        Evaluation.start("snp", new Policy("tdx", Map.of("tdx", Map.of())), Set.of("snp"));
    assertFalse(other.policyUsable());
    assertEquals(
        "the policy is written for platform tdx, not for snp: use a policy for this evidence's platform",
        other.verdict().failures().get(0).message());

    Evaluation empty = Evaluation.start("snp", new Policy("snp", Map.of()), Set.of("snp"));
    assertFalse(empty.verdict().passed());
    assertTrue(
        empty.verdict().failures().get(0).message().contains("empty policy accepts nothing"));

    Evaluation invalid =
        Evaluation.start(
            "snp",
            new Policy("snp", Map.of("snp", Map.of("measurements", List.of(M), "vmpl", List.of()))),
            Set.of("snp"));
    Finding f = invalid.verdict().failures().get(0);
    assertEquals("policy.snp.vmpl", f.rule());
    assertTrue(
        f.message()
            .startsWith("the policy is invalid: snp.vmpl: an empty allow-list accepts nothing"),
        f.message());

    Evaluation noMeasurement =
        Evaluation.start(
            "snp", new Policy("snp", Map.of("snp", Map.of("vmpl", List.of(0)))), Set.of("snp"));
    assertTrue(noMeasurement.verdict().failures().get(0).message().contains("pins no measurement"));
  }

  @Test
  void everyFailedRuleShowsExpectedAndFound() {
    Evaluation ev = new Evaluation("snp");
    byte[] found = HexFormat.of().parseHex("cd".repeat(48));
    assertFalse(
        ev.allowList(
            "snp.measurements",
            Optional.of(List.of(M, "ef".repeat(48))),
            found,
            "launch measurement"));
    assertTrue(ev.allowList("snp.host_data", Optional.empty(), new byte[32], "host data"));
    assertFalse(ev.minimum("snp.minimum_guest_svn", OptionalLong.of(5), 4, "guest SVN"));
    assertFalse(ev.feature("snp.debug_allowed", false, true, "debugging"));
    assertTrue(ev.feature("snp.migrate_ma_allowed", false, false, "migration agent"));
    assertFalse(ev.oneOf("snp.vmpl", Optional.of(List.of(0L)), 2L, "VMPL"));
    assertFalse(ev.requiredAllowList("tdx.mrtd", Optional.empty(), found, "MRTD"));
    assertFalse(
        ev.reportData(
            PolicyRules.of(new Policy("snp", Map.of("report_data", "0102"))), new byte[64]));
    Verdict v = ev.verdict();
    assertFalse(v.passed());
    List<Finding> fails = v.failures();
    assertEquals(6, fails.size());
    assertEquals(
        new Finding(
            "snp.measurements",
            false,
            "one of [" + M + ", " + "ef".repeat(48) + "]",
            "cd".repeat(48),
            "launch measurement cdcdcdcd…cdcdcdcd is not in the policy's allow-list"),
        fails.get(0));
    assertEquals(
        new Finding(
            "snp.minimum_guest_svn",
            false,
            ">= 5",
            "4",
            "guest SVN 4 is below the policy's minimum 5"),
        fails.get(1));
    assertEquals(
        new Finding(
            "snp.debug_allowed",
            false,
            "debugging off",
            "debugging on",
            "debugging is on but the policy forbids it"),
        fails.get(2));
    assertEquals(
        new Finding("snp.vmpl", false, "0", "2", "VMPL 2 is not allowed by the policy"),
        fails.get(3));
    assertEquals(
        "the policy pins no MRTD: a policy must name the measurements it accepts",
        fails.get(4).message());
    assertEquals("0102" + "00".repeat(62), fails.get(5).expected());
  }

  @Test
  void emulatedEvidenceIsMarkedAndNeedsAnExplicitPolicy() {
    Evaluation ev = new Evaluation("emulated");
    assertFalse(ev.emulation(true, SNP));
    Verdict v = ev.verdict();
    assertTrue(v.emulated());
    assertTrue(v.failures().get(0).message().contains("emulated, not a real TEE"));

    Evaluation allowed = new Evaluation("emulated");
    assertTrue(
        allowed.emulation(
            true, new Policy("snp", Map.of("allow_emulated", true, "snp", Map.of()))));
    assertTrue(allowed.verdict().findings().get(0).message().contains("emulated, not a real TEE"));
    assertTrue(
        new Evaluation("emulated")
            .emulation(true, new Policy("emulated", Map.of("snp", Map.of()))));
  }

  @Test
  void unknownRulesFail() {
    Evaluation ev = new Evaluation("snp");
    PolicyRules s =
        PolicyRules.of(
                new Policy(
                    "snp", Map.of("snp", Map.of("measurements", List.of(M), "future", true))))
            .section("snp")
            .orElseThrow();
    assertFalse(ev.unknownRules(s, Set.of("measurements")));
    assertEquals("snp.future", ev.verdict().failures().get(0).rule());
  }
}
