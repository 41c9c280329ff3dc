package ai.cocos.tee.vtpm;

import static ai.cocos.tee.vtpm.GceConformanceTest.assertPassed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.RuntimeMeasurement;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.vtpm.internal.Swtpm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest in PCR16 and the EK certificate, on a software TPM manufactured as a host does for a
 * VM ({@code swtpm_setup --create-ek-cert}, SHA-256 and SHA-384 banks): the provider measures a
 * manifest as the agent asks ({@link RuntimeMeasurements}), quotes, and verifies under a policy
 * that pins the manifest's expected PCR16 values (computed independently here) — and fails naming
 * PCR16 under a policy written for another manifest. The EK certificate chains to the local CA,
 * which a policy can pin without that pinning the AK.
 */
class ManifestPcrTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] A =
      "{\"id\":\"computation-a\",\"name\":\"Linear regression\"}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] B =
      "{\"id\":\"computation-b\",\"name\":\"Linear regression\"}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NONCE = "a fresh nonce of 32 bytes here!!".getBytes();

  @TempDir static Path dir;
  static Swtpm swtpm;

  @BeforeAll
  static void manufacture() throws Exception {
    swtpm = Swtpm.manufactured(Files.createDirectories(dir.resolve("tpm")), "sha256,sha384");
  }

  @AfterAll
  static void shutdown() throws Exception {
    if (swtpm != null) {
      swtpm.close();
    }
  }

  static VtpmProvider provider(Swtpm tpm) {
    return new VtpmProvider(
        VtpmSettings.defaults()
            .withDevice(tpm.address())
            .withEventLog(dir.resolve("no-event-log"))
            .withBanks(List.of("sha256", "sha384")));
  }

  /** PCR16 after one extension from zero, computed here without the provider's code. */
  static String expected(String bank, byte[] manifest) throws Exception {
    boolean b256 = bank.equals("sha256");
    byte[] d = MessageDigest.getInstance(b256 ? "SHA3-256" : "SHA3-384").digest(manifest);
    MessageDigest h = MessageDigest.getInstance(b256 ? "SHA-256" : "SHA-384");
    h.update(new byte[b256 ? 32 : 48]);
    return HEX.formatHex(h.digest(d));
  }

  /** The policy the evidence itself suggests (AK pinned, boot PCRs), plus nonce and PCR16. */
  @SuppressWarnings("unchecked")
  static Policy policy(Evidence e, byte[] manifest, Map<String, Object> extra) throws Exception {
    Policy template = VtpmPolicyTemplates.fromEvidence(e, Instant.now());
    Map<String, Object> vtpm =
        new LinkedHashMap<>((Map<String, Object>) template.rules().get("vtpm"));
    Map<String, Object> pcrs = new LinkedHashMap<>((Map<String, Object>) vtpm.get("pcrs"));
    for (String bank : List.of("sha256", "sha384")) {
      Map<String, Object> b =
          new LinkedHashMap<>((Map<String, Object>) pcrs.getOrDefault(bank, Map.of()));
      b.put("16", List.of(expected(bank, manifest)));
      pcrs.put(bank, b);
    }
    vtpm.put("pcrs", pcrs);
    vtpm.put("nonce", HEX.formatHex(NONCE));
    vtpm.putAll(extra);
    Map<String, Object> rules = new LinkedHashMap<>(template.rules());
    rules.put("vtpm", vtpm);
    return PolicyDocument.parse(PolicyDocument.standard().write(new Policy("vtpm", rules)));
  }

  static Verdict verify(VtpmProvider p, Evidence e, Policy policy) {
    return p.verify(new VerificationRequest(e, policy, Instant.now(), true));
  }

  static Verdict.Finding finding(Verdict v, String rule) {
    return v.findings().stream().filter(f -> f.rule().equals(rule)).findFirst().orElseThrow();
  }

  @Test
  void theManifestIsMeasuredIntoPcr16AndTheQuoteShowsIt() throws Exception {
    VtpmProvider p = provider(swtpm);
    RuntimeMeasurement m = p.extend(RuntimeMeasurements.MANIFEST, A).orElseThrow();
    assertEquals("vtpm", m.platform());
    assertEquals("PCR16", m.register());
    assertEquals(
        HEX.formatHex(MessageDigest.getInstance("SHA3-256").digest(A)), m.digests().get("sha256"));
    assertEquals(
        HEX.formatHex(MessageDigest.getInstance("SHA3-384").digest(A)), m.digests().get("sha384"));
    assertEquals(expected("sha256", A), m.values().get("sha256"));
    assertEquals(expected("sha384", A), m.values().get("sha384"));
    assertEquals(expected("sha256", A), HEX.formatHex(ManifestPcr.expected("sha256", A)));

    Evidence e = p.gather(new EvidenceRequest(new byte[0], NONCE));
    @SuppressWarnings("unchecked")
    Map<String, Object> both =
        (Map<String, Object>)
            ((Map<String, Object>)
                    VtpmPolicyTemplates.fromEvidence(e, Instant.now(), List.of("sha256", "sha384"))
                        .rules()
                        .get("vtpm"))
                .get("pcrs");
    assertEquals(Set.of("sha256", "sha384"), both.keySet(), "both quoted banks pinned");
    Verdict ok = verify(p, e, policy(e, A, Map.of()));
    assertPassed(ok);
    assertEquals(
        "sha256 PCR16 holds the expected computation manifest",
        finding(ok, "vtpm.pcrs.sha256.16").message());
    assertTrue(finding(ok, "vtpm.pcrs.sha384.16").passed());

    Verdict other = verify(p, e, policy(e, B, Map.of()));
    assertFalse(other.passed());
    assertEquals(
        Set.of("vtpm.pcrs.sha256.16", "vtpm.pcrs.sha384.16"),
        Set.copyOf(other.failures().stream().map(Verdict.Finding::rule).toList()));
    Verdict.Finding f = finding(other, "vtpm.pcrs.sha256.16");
    assertEquals(expected("sha256", A), f.found());
    assertEquals(expected("sha256", B), f.expected());
    assertTrue(
        f.message()
            .endsWith(": the VM holds another manifest than the one the policy was written for"),
        f.message());
  }

  @Test
  void eachManifestReplacesThePreviousOne() throws Exception {
    VtpmProvider p = provider(swtpm);
    p.extend(RuntimeMeasurements.MANIFEST, A).orElseThrow();
    RuntimeMeasurement m = p.extend(RuntimeMeasurements.MANIFEST, B).orElseThrow();
    assertEquals(expected("sha256", B), m.values().get("sha256"));
    assertEquals(expected("sha384", B), m.values().get("sha384"));
    Evidence e = p.gather(new EvidenceRequest(new byte[0], NONCE));
    assertPassed(verify(p, e, policy(e, B, Map.of())));
  }

  @Test
  void otherDomainsAndMachinesWithoutATpmMeasureNothing() throws Exception {
    VtpmProvider p = provider(swtpm);
    RuntimeMeasurement before = p.extend(RuntimeMeasurements.MANIFEST, A).orElseThrow();
    assertTrue(p.extend("cocos.something-else", B).isEmpty());
    Evidence e = p.gather(new EvidenceRequest(new byte[0], NONCE));
    assertPassed(verify(p, e, policy(e, A, Map.of())));
    assertEquals(expected("sha256", A), before.values().get("sha256"));

    VtpmProvider none =
        new VtpmProvider(VtpmSettings.defaults().withDevice(dir.resolve("tpmrm0").toString()));
    assertFalse(none.canGather());
    assertTrue(none.extend(RuntimeMeasurements.MANIFEST, A).isEmpty());
  }

  @Test
  void aTpmThatIsThereButFailsRefusesTheMeasurement() throws Exception {
    Path notListening = Files.createFile(dir.resolve("dead.sock"));
    VtpmProvider p = new VtpmProvider(VtpmSettings.defaults().withDevice("unix:" + notListening));
    assertTrue(p.canGather(), "the TPM's address exists");
    AttestationException e =
        assertThrows(AttestationException.class, () -> p.extend(RuntimeMeasurements.MANIFEST, A));
    assertTrue(e.getMessage().startsWith("vTPM unix:" + notListening + " PCR16: "), e.getMessage());
  }

  @Test
  void aTpmWithoutASha384BankMeasuresSha256Only() throws Exception {
    try (Swtpm only256 =
        Swtpm.manufactured(Files.createDirectories(dir.resolve("tpm256")), "sha256")) {
      VtpmProvider p =
          new VtpmProvider(
              VtpmSettings.defaults()
                  .withDevice(only256.address())
                  .withEventLog(dir.resolve("no-event-log")));
      RuntimeMeasurement m = p.extend(RuntimeMeasurements.MANIFEST, A).orElseThrow();
      assertEquals(Set.of("sha256"), m.digests().keySet());
      assertEquals(expected("sha256", A), m.values().get("sha256"));
      // A policy cannot pin a bank the evidence does not quote.
      Evidence e = p.gather(new EvidenceRequest(new byte[0], NONCE));
      IllegalArgumentException none =
          assertThrows(
              IllegalArgumentException.class,
              () -> VtpmPolicyTemplates.fromEvidence(e, Instant.now(), List.of("sha384")));
      assertTrue(
          none.getMessage().startsWith("the evidence quotes no sha384 PCRs"), none.getMessage());
    }
  }

  @Test
  void theEkCertificateChainsToTheHostsCaButDoesNotPinTheAk() throws Exception {
    VtpmProvider p = provider(swtpm);
    p.extend(RuntimeMeasurements.MANIFEST, A).orElseThrow();
    Evidence gathered = p.gather(new EvidenceRequest(new byte[0], NONCE));
    assertTrue(gathered.attachments().containsKey(VtpmAttachments.EK_CERT), "EK certificate read");
    Path ca = swtpm.dir().resolve("ca");
    byte[] root = Files.readAllBytes(ca.resolve("swtpm-localca-rootca-cert.pem"));
    ByteArrayOutputStream chain = new ByteArrayOutputStream();
    chain.writeBytes(Files.readAllBytes(ca.resolve("issuercert.pem")));
    chain.writeBytes(root);
    Map<String, byte[]> att = new HashMap<>(gathered.attachments());
    att.put(VtpmAttachments.EK_CHAIN, chain.toByteArray());
    Evidence e = new Evidence("vtpm", gathered.report(), att);
    String rootSha = Certs.sha256(Certs.readOne(root));

    Verdict ok = verify(p, e, policy(e, A, Map.of("ek_roots", List.of(rootSha))));
    assertPassed(ok);
    assertTrue(
        finding(ok, "vtpm.ek_roots").message().contains("the AK is trusted through vtpm.ak_keys"),
        finding(ok, "vtpm.ek_roots").message());

    Verdict otherRoot = verify(p, e, policy(e, A, Map.of("ek_roots", List.of("00".repeat(32)))));
    assertEquals(
        List.of("vtpm.ek_roots"),
        otherRoot.failures().stream().map(Verdict.Finding::rule).toList());

    Map<String, byte[]> noEk = new HashMap<>(att);
    noEk.remove(VtpmAttachments.EK_CERT);
    Verdict missing =
        verify(
            p,
            new Evidence("vtpm", e.report(), noEk),
            policy(e, A, Map.of("ek_roots", List.of(rootSha))));
    assertEquals("no EK certificate", finding(missing, "vtpm.ek_roots").found());

    @SuppressWarnings("unchecked")
    Map<String, Object> vtpm =
        new LinkedHashMap<>(
            (Map<String, Object>)
                policy(e, A, Map.of("ek_roots", List.of(rootSha))).rules().get("vtpm"));
    vtpm.remove("ak_keys");
    Verdict unpinned = verify(p, e, new Policy("vtpm", Map.of("vtpm", vtpm)));
    assertTrue(finding(unpinned, "vtpm.ek_roots").passed());
    assertFalse(finding(unpinned, "vtpm.ak_roots").passed(), "an EK root does not pin the AK");
    assertArrayEquals(gathered.report(), e.report());
  }
}
