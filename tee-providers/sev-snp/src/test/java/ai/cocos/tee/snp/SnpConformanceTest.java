package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.snp.SnpProduct;
import ai.cocos.attestation.snp.SnpTrust;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every SEV-SNP vector of the shared folder reaches the verdict its README states, at the time it
 * states, including the ones that must fail and the "negative recipes" table.
 */
class SnpConformanceTest {
  @TempDir Path cache;

  SnpProvider provider() {
    return SnpVectors.provider(cache);
  }

  static Set<String> failed(Verdict v) {
    return v.failures().stream().map(Finding::rule).collect(Collectors.toSet());
  }

  static String report(Verdict v) {
    return v.findings().stream()
        .map(f -> (f.passed() ? "ok   " : "FAIL ") + f.rule() + ": " + f.message())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void everyVectorVerifiesAtItsStatedTime() throws Exception {
    for (SnpVectors v : SnpVectors.ALL) {
      Verdict d = provider().verify(v.request(v.evidence(), v.policy()));
      assertTrue(d.passed(), v.dir() + ":\n" + report(d));
      assertFalse(d.emulated());
      for (String rule :
          List.of(
              "report.format",
              "report.signing_key",
              "vcek.source",
              "vcek.product",
              "vcek.chain",
              "report.signature",
              "vcek.hwid",
              "vcek.tcb",
              "snp.measurements")) {
        assertTrue(
            d.findings().stream().anyMatch(f -> f.rule().equals(rule) && f.passed()),
            v.dir() + " lacks " + rule);
      }
      assertEquals(v.measurement(), d.claims().get("measurement"));
    }
  }

  @Test
  void claimsMatchTheReadme() throws Exception {
    Verdict t =
        provider()
            .verify(
                SnpVectors.of("turin-v5-msft")
                    .request(
                        SnpVectors.of("turin-v5-msft").evidence(),
                        SnpVectors.of("turin-v5-msft").policy()));
    assertEquals("Turin", t.claims().get("product"));
    assertEquals("fmc=1 bl=1 tee=1 snp=4 ucode=81", t.claims().get("reported_tcb"));
    assertEquals(SnpTrust.ARK_SHA256.get(SnpProduct.TURIN), t.claims().get("root_sha256"));
    SnpVectors tr = SnpVectors.of("milan-v2-trustee");
    Verdict m = provider().verify(tr.request(tr.evidence(), tr.policy()));
    assertEquals("bl=3 tee=0 snp=8 ucode=115", m.claims().get("reported_tcb"));
    assertEquals("bl=3 tee=0 snp=8 ucode=206", m.claims().get("current_tcb"));
    assertEquals("Milan", m.claims().get("product"));
    SnpVectors vl = SnpVectors.of("milan-v3-vlek-aws");
    Verdict l = provider().verify(vl.request(vl.evidence(), vl.policy()));
    assertEquals("vlek", l.claims().get("signing_key"));
    assertEquals("CN=cc-us-east-2.amazonaws.com", l.claims().get("csp_id"));
    assertEquals("1", l.claims().get("vmpl"));
  }

  @Test
  void debugReportIsRejectedByADebugForbiddingPolicy() throws Exception {
    SnpVectors v = SnpVectors.of("milan-v2-go-sev-guest");
    Map<String, Object> snp = Map.of("measurements", List.of(v.measurement()), "check_crl", false);
    Verdict d =
        provider()
            .verify(
                v.request(v.evidence(), new ai.cocos.api.tee.Policy("snp", Map.of("snp", snp))));
    assertEquals(Set.of("snp.debug_allowed"), failed(d), report(d));
    Finding f = d.failures().get(0);
    assertEquals("debugging (POLICY.DEBUG) off", f.expected());
    assertEquals("debugging (POLICY.DEBUG) on", f.found());
  }

  @Test
  void expiredVlekIsRejectedAtTheCollectionDate() throws Exception {
    SnpVectors v = SnpVectors.of("milan-v3-vlek-aws");
    Verdict d =
        provider()
            .verify(
                new ai.cocos.api.tee.VerificationRequest(
                    v.evidence(), v.policy(), Instant.parse("2026-11-21T00:00:00Z"), true));
    assertEquals(Set.of("vcek.chain", "report.signature"), failed(d), report(d));
    assertTrue(
        d.failures().get(0).message().contains("expired at 2025-12-10T22:14:21Z"),
        d.failures().get(0).message());
    // Just inside and just outside the window.
    assertTrue(
        provider()
            .verify(
                new ai.cocos.api.tee.VerificationRequest(
                    v.evidence(), v.policy(), Instant.parse("2025-12-10T22:14:21Z"), true))
            .passed());
    assertFalse(
        provider()
            .verify(
                new ai.cocos.api.tee.VerificationRequest(
                    v.evidence(), v.policy(), Instant.parse("2025-12-10T22:14:22Z"), true))
            .passed());
    assertFalse(
        provider()
            .verify(
                new ai.cocos.api.tee.VerificationRequest(
                    v.evidence(), v.policy(), Instant.parse("2024-12-10T22:14:20Z"), true))
            .passed());
  }

  @Test
  void parseOnlyCertificatesParseButNeitherChainNorSign() throws Exception {
    SnpVectors v = SnpVectors.of("milan-v2-trustee");
    for (String f : List.of("vcek-parse-only-legacy-hwid.der", "vcek-parse-only-new-hwid.der")) {
      Evidence e =
          new Evidence(
              "snp", v.report(), Map.of("vcek", Vectors.read("snp/milan-v2-trustee/" + f)));
      Verdict d = provider().verify(v.request(e, v.policy()));
      assertFalse(d.passed());
      assertTrue(
          failed(d).containsAll(Set.of("vcek.chain", "report.signature")), f + "\n" + report(d));
      assertTrue(
          d.findings().stream().noneMatch(x -> x.rule().equals("vcek.extensions")),
          "extensions parse: " + report(d));
      // Not merely skipped: the report's signature does not verify under their keys either.
      ai.cocos.attestation.snp.SnpReport r = ai.cocos.attestation.snp.SnpReport.parse(v.report());
      assertFalse(
          ai.cocos.attestation.Ecdsa.verifyP1363(
              Certs.readOne(Vectors.read("snp/milan-v2-trustee/" + f)).getPublicKey(),
              r.signedBytes(),
              r.signatureP1363()));
    }
  }

  /** The README's table of mutations that must be rejected. */
  @Test
  void negativeRecipes() throws Exception {
    SnpVectors trustee = SnpVectors.of("milan-v2-trustee");
    assertRejected(
        trustee, mutate(trustee.report(), 42, 1), trustee.signerBytes(), "report.signature");
    Verdict tcb = verify(trustee, mutate(trustee.report(), 384, 1), trustee.signerBytes());
    assertTrue(failed(tcb).containsAll(Set.of("report.signature", "vcek.tcb")), report(tcb));
    // Byte 42 of the VCEK is inside the TBS signature algorithm: the JDK's parser already sees it
    // differ from the outer one; either way the VCEK is refused.
    Verdict vcek = verify(trustee, trustee.report(), mutate(trustee.signerBytes(), 42, 1));
    assertFalse(vcek.passed());
    assertTrue(
        failed(vcek).contains("vcek.chain") || failed(vcek).contains("evidence.attachments"),
        report(vcek));
    assertTrue(vcek.failures().get(0).message().contains("vcek"), report(vcek));

    SnpVectors vlek = SnpVectors.of("milan-v3-vlek-aws");
    assertRejected(vlek, mutate(vlek.report(), 42, 1), vlek.signerBytes(), "report.signature");
    Verdict vtcb = verify(vlek, mutate(vlek.report(), 384, 1), vlek.signerBytes());
    assertTrue(failed(vtcb).containsAll(Set.of("report.signature", "vcek.tcb")), report(vtcb));

    for (SnpVectors v : SnpVectors.ALL) {
      byte[] r = v.report();
      r[100] ^= (byte) 0xff; // inside report_data
      assertRejected(v, r, v.signerBytes(), "report.signature");
    }
  }

  @Test
  void chainsWithTheWrongIntermediateFail() throws Exception {
    SnpTrust t = SnpTrust.amd();
    Instant at = Instant.parse("2025-06-01T00:00:00Z");
    ChainVerifier c = new ChainVerifier(0);
    X509Certificate trusteeVcek = Certs.readOne(SnpVectors.of("milan-v2-trustee").signerBytes());
    // The Milan VCEK with the ASVK as issuer (trustee check_milan_chain_signature_failure).
    assertThrows(
        ChainException.class,
        () ->
            c.verify(
                List.of(trusteeVcek, t.intermediate(SnpProduct.MILAN, true).orElseThrow()),
                List.of(t.ark(SnpProduct.MILAN)),
                at));
    // The VLEK does not verify under the VCEK ASK.
    X509Certificate vlek = Certs.readOne(SnpVectors.of("milan-v3-vlek-aws").signerBytes());
    assertThrows(
        ChainException.class,
        () ->
            c.verify(
                List.of(vlek, t.intermediate(SnpProduct.MILAN, false).orElseThrow()),
                List.of(t.ark(SnpProduct.MILAN)),
                at));
    // Genoa and Turin VCEKs with another generation's ASK, under either ARK.
    Instant later = Instant.parse("2026-06-01T00:00:00Z");
    for (String dir : List.of("genoa-v3-msft", "turin-v5-msft")) {
      X509Certificate vcek = Certs.readOne(SnpVectors.of(dir).signerBytes());
      SnpProduct own = dir.startsWith("genoa") ? SnpProduct.GENOA : SnpProduct.TURIN;
      for (SnpProduct other : SnpProduct.values()) {
        if (other == own) {
          continue;
        }
        X509Certificate ask = t.intermediate(other, false).orElseThrow();
        assertThrows(
            ChainException.class,
            () -> c.verify(List.of(vcek, ask), List.of(t.ark(own)), later),
            dir + " with " + other);
        assertThrows(
            ChainException.class,
            () -> c.verify(List.of(vcek, ask), List.of(t.ark(other)), later),
            dir + " with " + other);
      }
    }
  }

  @Test
  void aVcekOfAnotherChipOrProductIsRejected() throws Exception {
    SnpVectors genoa = SnpVectors.of("genoa-v3-msft");
    // Genoa report with the Turin VCEK: wrong product, wrong chain, wrong key.
    Verdict d = verify(genoa, genoa.report(), SnpVectors.of("turin-v5-msft").signerBytes());
    assertTrue(
        failed(d)
            .containsAll(Set.of("vcek.product", "vcek.chain", "report.signature", "vcek.hwid")),
        report(d));
    // A Milan v2 report with another Milan chip's VCEK: the chain is fine, the chip is not.
    SnpVectors m = SnpVectors.of("milan-v2-trustee");
    Verdict other = verify(m, m.report(), SnpVectors.of("milan-v2-go-sev-guest").signerBytes());
    assertTrue(
        failed(other).containsAll(Set.of("report.signature", "vcek.hwid", "vcek.tcb")),
        report(other));
  }

  @Test
  void evidenceOfOtherPlatformsAndEmptyOrForeignPoliciesAreRejected() throws Exception {
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    Evidence emulated = new Evidence("emulated", g.report(), Map.of("vcek", g.signerBytes()));
    Verdict e = provider().verify(g.request(emulated, g.policy()));
    assertFalse(e.passed());
    assertTrue(e.failures().get(0).message().contains("emulated, not a real TEE"), report(e));
    assertFalse(
        provider()
            .verify(g.request(g.evidence(), new ai.cocos.api.tee.Policy("snp", Map.of())))
            .passed());
    Verdict tdx =
        provider()
            .verify(
                g.request(
                    g.evidence(),
                    new ai.cocos.api.tee.Policy(
                        "tdx", Map.of("tdx", Map.of("mrtd", List.of("00".repeat(48)))))));
    assertFalse(tdx.passed());
    assertTrue(
        tdx.failures().get(0).message().startsWith("the policy is written for platform tdx"),
        report(tdx));
    Verdict unknown =
        provider()
            .verify(
                g.request(
                    g.evidence(),
                    new ai.cocos.api.tee.Policy(
                        "snp",
                        Map.of(
                            "snp",
                            Map.of(
                                "measurements",
                                List.of(g.measurement()),
                                "check_crl",
                                false,
                                "launch_speed",
                                3)))));
    assertFalse(unknown.passed());
    assertTrue(
        unknown.failures().stream().anyMatch(f -> f.rule().equals("policy.snp.launch_speed")),
        report(unknown));
    // Garbage, truncated, empty: failed verdicts, never exceptions.
    for (byte[] junk :
        List.of(
            new byte[0],
            new byte[1184],
            "hello".getBytes(),
            java.util.Arrays.copyOf(g.report(), 1000))) {
      Verdict j =
          provider()
              .verify(
                  g.request(
                      new Evidence("snp", junk, Map.of("vcek", g.signerBytes())), g.policy()));
      assertFalse(j.passed());
    }
    Verdict badAttachment =
        provider()
            .verify(
                g.request(
                    new Evidence("snp", g.report(), Map.of("vcek", new byte[] {0x30, 1, 2})),
                    g.policy()));
    assertEquals(Set.of("evidence.attachments"), failed(badAttachment), report(badAttachment));
  }

  Verdict verify(SnpVectors v, byte[] report, byte[] signer) {
    return provider()
        .verify(v.request(new Evidence("snp", report, Map.of(v.attachment(), signer)), uncheck(v)));
  }

  static ai.cocos.api.tee.Policy uncheck(SnpVectors v) {
    try {
      return v.policy();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  void assertRejected(SnpVectors v, byte[] report, byte[] signer, String rule) {
    Verdict d = verify(v, report, signer);
    assertFalse(d.passed(), v.dir());
    assertTrue(failed(d).contains(rule), v.dir() + " expected " + rule + " to fail:\n" + report(d));
  }

  static byte[] mutate(byte[] b, int offset, int add) {
    byte[] c = b.clone();
    c[offset] = (byte) (c[offset] + add);
    return c;
  }
}
