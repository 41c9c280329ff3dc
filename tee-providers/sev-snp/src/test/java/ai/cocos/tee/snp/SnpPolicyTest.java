package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.snp.SnpProduct;
import ai.cocos.attestation.snp.SnpTrust;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every policy rule, failing, shows the expected and the found value; templates pin evidence. */
class SnpPolicyTest {
  @TempDir Path cache;
  static final String GENOA_MEASUREMENT =
      "5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1";

  @Test
  void everyFailingRuleShowsExpectedAndFound() throws Exception {
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    Map<String, Object> snp = new LinkedHashMap<>();
    snp.put("measurements", List.of("11".repeat(48)));
    snp.put("host_data", List.of("22".repeat(32)));
    snp.put("id_key_digests", List.of("33".repeat(48)));
    snp.put("author_key_digests", List.of("44".repeat(48)));
    snp.put("family_id", List.of("55".repeat(16)));
    snp.put("image_id", List.of("66".repeat(16)));
    snp.put("chip_ids", List.of("77".repeat(64)));
    snp.put("minimum_tcb", Map.of("bootloader", 11, "tee", 1, "snp", 24, "microcode", 85));
    snp.put("minimum_guest_svn", 3);
    snp.put("minimum_firmware", Map.of("major", 1, "minor", 56));
    snp.put("smt_allowed", false);
    snp.put("single_socket_required", true);
    snp.put("vmpl", List.of(1, 2));
    snp.put("products", List.of("Milan", "Turin"));
    snp.put("signing_keys", List.of("vlek"));
    snp.put("roots", List.of(SnpTrust.ARK_SHA256.get(SnpProduct.MILAN)));
    snp.put("check_crl", false);
    Policy p = new Policy("snp", Map.of("snp", snp, "report_data", "01"));
    Verdict v = SnpVectors.provider(cache).verify(g.request(g.evidence(), p));
    assertFalse(v.passed());
    Map<String, Finding> f =
        v.failures().stream().collect(Collectors.toMap(Finding::rule, Function.identity()));
    expect(f, "snp.measurements", "11".repeat(48), GENOA_MEASUREMENT);
    expect(
        f,
        "snp.host_data",
        "22".repeat(32),
        "4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10");
    expect(
        f,
        "snp.id_key_digests",
        "33".repeat(48),
        "0ad79ceb0b648b0e6a90d8aa9f6ea24c33a968b6632085353145e8b19a4741a2dab9ba342e13be4fc0d225e889cc1a58");
    expect(f, "snp.author_key_digests", "44".repeat(48), "00".repeat(48));
    expect(f, "snp.family_id", "55".repeat(16), "01" + "00".repeat(15));
    expect(f, "snp.image_id", "66".repeat(16), "02" + "00".repeat(15));
    expect(
        f,
        "snp.chip_ids",
        "77".repeat(64),
        "b1e24a27bbc3a4d58090d8b89851dce3b8031544be249b9ac17132bb222b027622347ee4d0fe4f689efdfc47a68cefc686cbb448d01436506ee1e28010cab7c0");
    expect(f, "snp.minimum_tcb.bootloader", ">= 11", "10");
    expect(f, "snp.minimum_tcb.tee", ">= 1", "0");
    expect(f, "snp.minimum_tcb.snp", ">= 24", "23");
    expect(f, "snp.minimum_tcb.microcode", ">= 85", "84");
    expect(f, "snp.minimum_guest_svn", ">= 3", "2");
    expect(f, "snp.minimum_firmware", ">= 1.56.0", "1.55.40");
    expect(f, "snp.smt_allowed", "SMT (POLICY.SMT) off", "SMT (POLICY.SMT) on");
    expect(f, "snp.single_socket_required", "POLICY.SINGLE_SOCKET set", "clear");
    expect(f, "snp.vmpl", "one of [1, 2]", "0");
    expect(f, "snp.products", "one of [Milan, Turin]", "Genoa");
    expect(f, "snp.signing_keys", "vlek", "vcek");
    expect(
        f,
        "snp.roots",
        SnpTrust.ARK_SHA256.get(SnpProduct.MILAN),
        SnpTrust.ARK_SHA256.get(SnpProduct.GENOA));
    expect(f, "report_data", "01" + "00".repeat(63), "00".repeat(64));
    assertEquals(20, f.size(), f.keySet().toString());
    // Cryptographic findings still pass: the evidence is genuine, only the policy rejects it.
    assertTrue(
        v.findings().stream()
            .filter(x -> x.rule().startsWith("vcek.") || x.rule().startsWith("report."))
            .allMatch(Finding::passed));
    for (Finding x : f.values()) {
      assertFalse(x.message().isBlank(), x.rule());
    }
  }

  @Test
  void minimumsAtTheBoundaryPass() throws Exception {
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    Map<String, Object> snp = new LinkedHashMap<>();
    snp.put("measurements", List.of(GENOA_MEASUREMENT));
    snp.put("minimum_tcb", Map.of("bootloader", 10, "tee", 0, "snp", 23, "microcode", 84));
    snp.put("minimum_guest_svn", 2);
    snp.put("minimum_firmware", Map.of("major", 1, "minor", 55, "build", 40));
    snp.put("vmpl", List.of(0));
    snp.put("products", List.of("Genoa"));
    snp.put("signing_keys", List.of("vcek"));
    snp.put("roots", List.of(SnpTrust.ARK_SHA256.get(SnpProduct.GENOA)));
    snp.put("check_crl", false);
    Verdict v =
        SnpVectors.provider(cache)
            .verify(
                g.request(
                    g.evidence(), new Policy("snp", Map.of("snp", snp, "report_data", "00"))));
    assertTrue(v.passed(), SnpConformanceTest.report(v));
  }

  @Test
  void turinFmcIsCheckedInTheTurinLayout() throws Exception {
    SnpVectors t = SnpVectors.of("turin-v5-msft");
    Map<String, Object> snp = new LinkedHashMap<>();
    snp.put("measurements", List.of(t.measurement()));
    snp.put("minimum_tcb", Map.of("fmc", 2, "snp", 4));
    snp.put("check_crl", false);
    Verdict v =
        SnpVectors.provider(cache)
            .verify(t.request(t.evidence(), new Policy("snp", Map.of("snp", snp))));
    assertEquals(List.of("snp.minimum_tcb.fmc"), v.failures().stream().map(Finding::rule).toList());
    assertEquals("1", v.failures().get(0).found());
  }

  @Test
  void aTemplateFromEvidencePinsItAndRoundTripsAsJson() throws Exception {
    SnpProvider provider = SnpVectors.provider(cache);
    for (SnpVectors v : SnpVectors.ALL) {
      Policy template = provider.policyFrom(v.evidence(), v.at(), true);
      String json = PolicyDocument.standard().write(template);
      Policy read = PolicyDocument.parse(json);
      assertEquals(template, read);
      // Offline there is no CRL for these vectors: turn the check off to verify with it.
      @SuppressWarnings("unchecked")
      Map<String, Object> snp = new LinkedHashMap<>((Map<String, Object>) read.rules().get("snp"));
      snp.put("check_crl", false);
      Map<String, Object> rules = new LinkedHashMap<>(read.rules());
      rules.put("snp", snp);
      Verdict ok = provider.verify(v.request(v.evidence(), new Policy("snp", rules)));
      assertTrue(ok.passed(), v.dir() + "\n" + json + SnpConformanceTest.report(ok));
      assertTrue(json.contains(v.measurement()), json);
      if (v.debug()) {
        assertTrue(json.contains("WARNING: the evidence allows debugging"), json);
      }
    }
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    byte[] bad = g.report();
    bad[100] ^= 1;
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () ->
                provider.policyFrom(
                    new Evidence("snp", bad, Map.of("vcek", g.signerBytes())), g.at(), true));
    assertTrue(e.getMessage().contains("report.signature"), e.getMessage());
  }

  static void expect(Map<String, Finding> f, String rule, String expected, String found) {
    Finding x = f.get(rule);
    assertTrue(x != null, "no failed finding " + rule + " in " + f.keySet());
    assertEquals(expected, x.expected(), rule);
    assertEquals(found, x.found(), rule);
  }
}
