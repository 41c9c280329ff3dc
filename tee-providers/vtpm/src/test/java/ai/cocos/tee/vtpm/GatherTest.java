package ai.cocos.tee.vtpm;

import static ai.cocos.tee.vtpm.GceConformanceTest.assertFailedOn;
import static ai.cocos.tee.vtpm.GceConformanceTest.assertPassed;
import static ai.cocos.tee.vtpm.GceConformanceTest.finding;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.vtpm.internal.EventLogBuilder;
import ai.cocos.tee.vtpm.internal.Swtpm;
import ai.cocos.tee.vtpm.internal.TpmAlg;
import ai.cocos.tee.vtpm.internal.TpmTestAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real software TPM (swtpm): firmware-like PCR extends with a matching TCG event
 * log, then {@link VtpmProvider#gather} with raw TPM 2.0 commands (primary AK, TPM2_Quote,
 * TPM2_PCR_Read), then {@link VtpmProvider#verify} under the policy {@link VtpmPolicyTemplates}
 * writes from that evidence (the AK has no vendor certificate, so it is pinned by fingerprint).
 */
class GatherTest {
  @TempDir static Path dir;
  static Swtpm swtpm;
  static EventLogBuilder log;
  static Path logFile;
  static List<Integer> banks;

  @BeforeAll
  static void boot() throws Exception {
    swtpm = Swtpm.start(Files.createDirectories(dir.resolve("tpm")));
    banks = TpmTestAccess.banks(swtpm.address());
    assertTrue(banks.contains(TpmAlg.SHA256), "swtpm has a SHA-256 bank: " + banks);
    log =
        new EventLogBuilder(banks)
            .event(0, 0x00000008, "S-CRTM version: Cocos test firmware 1.0")
            .event(0, 0x80000008, "platform firmware blob")
            .event(1, 0x80000001, "UEFI variable: boot order")
            .event(4, 0x80000003, "EFI boot application: shim")
            .event(7, 0x800000E0, "Secure Boot: enabled")
            .event(9, 0x0000000D, "kernel command line: console=ttyS0");
    TpmTestAccess.extend(swtpm.address(), log);
    logFile = dir.resolve("binary_bios_measurements");
    Files.write(logFile, log.build());
  }

  @AfterAll
  static void shutdown() throws Exception {
    if (swtpm != null) {
      swtpm.close();
    }
  }

  static VtpmProvider provider(String algorithm, List<String> banks) {
    return new VtpmProvider(
        VtpmSettings.defaults()
            .withDevice(swtpm.address())
            .withEventLog(logFile)
            .withAkAlgorithm(algorithm)
            .withBanks(banks));
  }

  static Policy withNonce(Policy template, byte[] nonce) throws Exception {
    Map<String, Object> rules = new LinkedHashMap<>(template.rules());
    @SuppressWarnings("unchecked")
    Map<String, Object> vtpm = new LinkedHashMap<>((Map<String, Object>) rules.get("vtpm"));
    vtpm.put("nonce", HexFormat.of().formatHex(nonce));
    rules.put("vtpm", vtpm);
    Policy p = new Policy(template.platform(), rules);
    // Round trip through the document format, as the CLI does.
    return PolicyDocument.parse(PolicyDocument.standard().write(p));
  }

  @Test
  void eccQuoteOfTwoBanksVerifiesWithItsEventLogUnderTheTemplatePolicy() throws Exception {
    VtpmProvider p = provider("ecc", List.of("sha256", "sha1"));
    assertTrue(p.canGather());
    byte[] nonce = "nonce-for-this-request-32-bytes!".getBytes();
    Evidence e = p.gather(new EvidenceRequest(new byte[0], nonce));
    assertEquals("vtpm", e.platform());
    assertTrue(e.attachments().containsKey("quote.1"));
    Policy template = VtpmPolicyTemplates.fromEvidence(e, Instant.now());
    @SuppressWarnings("unchecked")
    Map<String, Object> vtpm = (Map<String, Object>) template.rules().get("vtpm");
    assertTrue(vtpm.containsKey("ak_keys"));
    assertEquals(Boolean.TRUE, vtpm.get("event_log_required"));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, List<String>>> pcrs =
        (Map<String, Map<String, List<String>>>) vtpm.get("pcrs");
    assertEquals(
        List.of(HexFormat.of().formatHex(log.expected(TpmAlg.SHA256, 7))),
        pcrs.get("sha256").get("7"));
    assertFalse(pcrs.get("sha256").containsKey("10"));

    Verdict v =
        p.verify(new VerificationRequest(e, withNonce(template, nonce), Instant.now(), true));
    assertPassed(v);
    for (String rule :
        List.of(
            "ak.attributes",
            "ak.qualified_name",
            "quote.sha256.signature",
            "quote.sha1.signature",
            "quotes.consistency",
            "event_log.replay.sha256",
            "event_log.replay.sha1",
            "vtpm.ak_keys",
            "vtpm.nonce",
            "vtpm.pcrs.sha256.0")) {
      assertTrue(finding(v, rule).passed(), rule);
    }
    assertEquals("owner", v.claims().get("vtpm.ak.hierarchy"));
    assertEquals("ECDSA-SHA256", v.claims().get("vtpm.quote.signature"));

    Verdict replay =
        p.verify(
            new VerificationRequest(
                e, withNonce(template, "another-nonce".getBytes()), Instant.now(), true));
    assertFailedOn(replay, "vtpm.nonce");
  }

  @Test
  void rsaQuoteVerifiesAndATamperedEventLogIsCaught() throws Exception {
    VtpmProvider p = provider("rsa", List.of("sha256"));
    byte[] nonce = {1, 2, 3, 4};
    Evidence e = p.gather(new EvidenceRequest(new byte[0], nonce));
    Policy policy = withNonce(VtpmPolicyTemplates.fromEvidence(e, Instant.now()), nonce);
    Verdict v = p.verify(new VerificationRequest(e, policy, Instant.now(), true));
    assertPassed(v);
    assertEquals("RSASSA-SHA256", v.claims().get("vtpm.quote.signature"));

    Map<String, byte[]> att = new HashMap<>(e.attachments());
    byte[] bad =
        new EventLogBuilder(banks)
            .event(0, 0x00000008, "S-CRTM version: Cocos test firmware 1.0")
            .event(0, 0x80000008, "a different firmware blob")
            .build();
    att.put("event_log", bad);
    Verdict tampered =
        p.verify(
            new VerificationRequest(
                new Evidence("vtpm", e.report(), att), policy, Instant.now(), true));
    assertFailedOn(tampered, "event_log.replay.sha256");
  }

  @Test
  void aPcrExtendedAfterThePolicyWasWrittenIsRejected() throws Exception {
    VtpmProvider p = provider("ecc", List.of("sha256"));
    byte[] nonce = {9, 9};
    Evidence before = p.gather(new EvidenceRequest(new byte[0], nonce));
    Policy policy = withNonce(VtpmPolicyTemplates.fromEvidence(before, Instant.now()), nonce);
    // The agent measures something new into PCR 14 (a pinned PCR): the next quote must fail.
    EventLogBuilder more = new EventLogBuilder(banks).event(14, 0x0000000D, "late measurement");
    TpmTestAccess.extend(swtpm.address(), more);
    Evidence after = p.gather(new EvidenceRequest(new byte[0], nonce));
    Verdict v = p.verify(new VerificationRequest(after, policy, Instant.now(), true));
    assertFailedOn(v, "vtpm.pcrs.sha256.14");
  }

  @Test
  void withoutATpmGatherNamesTheMissingDevice() {
    VtpmProvider p =
        new VtpmProvider(VtpmSettings.defaults().withDevice(dir.resolve("no-tpm").toString()));
    assertFalse(p.canGather());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[0], new byte[0])));
    assertTrue(e.getMessage().contains("no-tpm"), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void theDefaultDeviceIsAbsentOnThisMachine() {
    // This host has no TPM: the default provider says so instead of pretending.
    if (!Files.exists(Path.of(VtpmSettings.DEFAULT_DEVICE))) {
      assertFalse(new VtpmProvider().canGather());
    }
  }
}
