package ai.cocos.tee.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.snp.AmdKds;
import ai.cocos.attestation.snp.SnpReport;
import ai.cocos.attestation.snp.SnpVerifier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The emulated provider end to end: real keys in a real folder, real signatures, the SNP verifier.
 */
class EmulatedProviderTest {
  @TempDir Path tmp;
  static final byte[] NONCE = HexFormat.of().parseHex("c0ffee" + "00".repeat(28) + "01");

  EmulatedProvider provider() {
    return new EmulatedProvider(EmulatedSettings.in(tmp.resolve("id")));
  }

  static Policy emulatedPolicy(String root) {
    return new Policy("emulated", Map.of("snp", Map.of("roots", List.of(root))));
  }

  static VerificationRequest now(Evidence e, Policy p) {
    return new VerificationRequest(e, p, Instant.now(), true);
  }

  static String report(Verdict v) {
    return v.findings().stream()
        .map(f -> (f.passed() ? "ok   " : "FAIL ") + f.rule() + ": " + f.message())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void gathersEvidenceThatVerifiesOnlyAsEmulated() throws Exception {
    EmulatedProvider p = provider();
    assertTrue(p.canGather());
    assertEquals(TeeProvider.EMULATED, p.platform());
    Evidence e = p.gather(new EvidenceRequest(NONCE, new byte[0]));
    assertEquals("emulated", e.platform());
    assertEquals(Set.of("vcek", "ark", "crl"), e.attachments().keySet());
    SnpReport r = SnpReport.parse(e.report());
    assertEquals(
        HexFormat.of().formatHex(NONCE) + "00".repeat(32),
        HexFormat.of().formatHex(r.reportData()));

    Map<String, Object> rules = new LinkedHashMap<>();
    rules.put("report_data", HexFormat.of().formatHex(NONCE));
    rules.put(
        "snp",
        Map.of("roots", List.of(p.rootSha256()), "vmpl", List.of(0), "products", List.of("Milan")));
    Verdict v = p.verify(now(e, new Policy("emulated", rules)));
    assertTrue(v.passed(), report(v));
    assertTrue(v.emulated());
    Finding emulation =
        v.findings().stream().filter(f -> f.rule().equals("emulation")).findFirst().orElseThrow();
    assertTrue(
        emulation.passed() && emulation.message().contains("emulated, not a real TEE"),
        emulation.message());
    // The revocation path runs too: the emulated ARK's CRL, attached at gathering.
    assertTrue(
        v.findings().stream()
            .anyMatch(f -> f.rule().equals("crl") && f.passed() && f.found().startsWith("checked")),
        report(v));
    assertEquals(p.rootSha256(), v.claims().get("root_sha256"));
  }

  @Test
  void aDefaultOrSnpPolicyRejectsIt() throws Exception {
    EmulatedProvider p = provider();
    Evidence e = p.gather(new EvidenceRequest(NONCE, new byte[0]));
    String m = HexFormat.of().formatHex(SnpReport.parse(e.report()).measurement());
    Policy snp =
        new Policy(
            "snp",
            Map.of("snp", Map.of("measurements", List.of(m), "roots", List.of(p.rootSha256()))));
    Verdict v = p.verify(now(e, snp));
    assertFalse(v.passed());
    assertTrue(v.emulated());
    assertEquals("emulation", v.failures().get(0).rule());
    assertTrue(v.failures().get(0).message().contains("emulated, not a real TEE"), report(v));

    Policy allowed =
        new Policy(
            "snp",
            Map.of(
                "allow_emulated",
                true,
                "snp",
                Map.of("measurements", List.of(m), "roots", List.of(p.rootSha256()))));
    assertTrue(p.verify(now(e, allowed)).passed());

    // allow_emulated without pinning the emulated root: the chain has no trusted root.
    Policy unpinned =
        new Policy(
            "snp", Map.of("allow_emulated", true, "snp", Map.of("measurements", List.of(m))));
    Verdict u = p.verify(now(e, unpinned));
    assertFalse(u.passed());
    assertTrue(
        u.failures().stream()
            .anyMatch(
                f -> f.rule().equals("vcek.chain") && f.message().contains("pins in snp.roots")),
        report(u));

    // A policy for another platform, or an emulated policy for another emulated root.
    assertFalse(
        p.verify(now(e, new Policy("tdx", Map.of("tdx", Map.of("mrtd", List.of("00".repeat(48)))))))
            .passed());
    assertFalse(p.verify(now(e, emulatedPolicy("ab".repeat(32)))).passed());
  }

  @Test
  void realSnpVerificationNeverAcceptsIt() throws Exception {
    EmulatedProvider p = provider();
    Evidence e = p.gather(new EvidenceRequest(NONCE, new byte[0]));
    String m = HexFormat.of().formatHex(SnpReport.parse(e.report()).measurement());
    Policy snp =
        new Policy(
            "snp",
            Map.of(
                "allow_emulated",
                true,
                "snp",
                Map.of(
                    "measurements",
                    List.of(m),
                    "roots",
                    List.of(p.rootSha256()),
                    "check_crl",
                    false)));
    SnpVerifier amd = SnpVerifier.amd(null, AmdKds.defaults());
    // Relabelled as SNP: the chain must end at AMD's ARK, and the emulated root is not AMD's.
    Verdict relabelled =
        amd.verify(
            now(new Evidence("snp", e.report(), e.attachments()), snp),
            Set.of("snp"),
            Set.of("snp"));
    assertFalse(relabelled.passed());
    assertFalse(relabelled.emulated());
    assertTrue(
        relabelled.failures().stream().anyMatch(f -> f.rule().equals("vcek.chain")),
        report(relabelled));
    // As it is labelled: the SNP verifier points to the emulated provider.
    Verdict labelled = amd.verify(now(e, snp), Set.of("snp"), Set.of("snp"));
    assertTrue(
        labelled.failures().stream()
            .anyMatch(f -> f.message().contains("emulated, not a real TEE")),
        report(labelled));
  }

  @Test
  void anotherEmulatedIdentityOrTamperingIsRejected() throws Exception {
    EmulatedProvider mine = provider();
    EmulatedProvider attacker = new EmulatedProvider(EmulatedSettings.in(tmp.resolve("attacker")));
    assertNotEquals(mine.rootSha256(), attacker.rootSha256());
    Policy pinned = emulatedPolicy(mine.rootSha256());
    Evidence forged = attacker.gather(new EvidenceRequest(NONCE, new byte[0]));
    assertFalse(mine.verify(now(forged, pinned)).passed());
    // The attacker's report with my root attached: the VCEK does not chain to it.
    Evidence mixed =
        new Evidence(
            "emulated",
            forged.report(),
            Map.of(
                "vcek",
                forged.attachments().get("vcek"),
                "ark",
                mine.gather(new EvidenceRequest(NONCE, new byte[0])).attachments().get("ark"),
                "crl",
                forged.attachments().get("crl")));
    Verdict v = mine.verify(now(mixed, pinned));
    assertTrue(v.failures().stream().anyMatch(f -> f.rule().equals("vcek.chain")), report(v));

    Evidence good = mine.gather(new EvidenceRequest(NONCE, new byte[0]));
    byte[] r = good.report();
    r[0x50] ^= 1; // report data
    Verdict t = mine.verify(now(new Evidence("emulated", r, good.attachments()), pinned));
    assertEquals(
        List.of("report.signature"), t.failures().stream().map(Finding::rule).toList(), report(t));
    Verdict wrongNonce =
        mine.verify(
            now(
                good,
                new Policy(
                    "emulated",
                    Map.of(
                        "report_data", "01", "snp", Map.of("roots", List.of(mine.rootSha256()))))));
    assertEquals(
        List.of("report_data"), wrongNonce.failures().stream().map(Finding::rule).toList());
  }

  @Test
  void theVerificationTimeIsInjected() throws Exception {
    EmulatedProvider p = provider();
    Evidence e = p.gather(new EvidenceRequest(NONCE, new byte[0]));
    Policy pinned = emulatedPolicy(p.rootSha256());
    assertTrue(
        p.verify(new VerificationRequest(e, pinned, Instant.now().plus(Duration.ofDays(6)), true))
            .passed());
    Verdict late =
        p.verify(new VerificationRequest(e, pinned, Instant.now().plus(Duration.ofDays(8)), true));
    assertEquals(
        List.of("crl"), late.failures().stream().map(Finding::rule).toList(), report(late));
    assertTrue(
        late.failures().get(0).message().contains("expired: its next update was due"),
        report(late));
    Verdict past =
        p.verify(new VerificationRequest(e, pinned, Instant.parse("2000-01-01T00:00:00Z"), true));
    assertTrue(
        past.failures().stream()
            .anyMatch(
                f -> f.rule().equals("vcek.chain") && f.message().contains("is not valid before")),
        report(past));
  }

  @Test
  void theIdentityIsCreatedOnceKeptPrivateAndSharedByConcurrentStarts() throws Exception {
    Path dir = tmp.resolve("shared");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<String>> starts =
          java.util.stream.IntStream.range(0, 4)
              .<Callable<String>>mapToObj(
                  i -> () -> new EmulatedProvider(EmulatedSettings.in(dir)).rootSha256())
              .toList();
      Set<String> roots = new java.util.HashSet<>();
      for (Future<String> f : pool.invokeAll(starts)) {
        roots.add(f.get());
      }
      assertEquals(1, roots.size());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(
        new EmulatedProvider(EmulatedSettings.in(dir)).rootSha256(),
        new EmulatedProvider(EmulatedSettings.in(dir)).rootSha256());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("vcek.key"))));
    assertTrue(Files.readString(dir.resolve("ark.pem")).startsWith("-----BEGIN CERTIFICATE-----"));
    try (var s = Files.list(tmp)) {
      assertEquals(
          List.of("shared"),
          s.map(x -> x.getFileName().toString()).toList(),
          "no temporary folders left");
    }
    // A damaged identity is not silently replaced (that would change the pinned root).
    Files.writeString(
        dir.resolve("vcek.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () ->
                new EmulatedProvider(EmulatedSettings.in(dir))
                    .gather(new EvidenceRequest(NONCE, new byte[0])));
    assertTrue(
        e.getMessage().startsWith("the emulated TEE identity in " + dir + " is damaged"),
        e.getMessage());
    assertTrue(e.getMessage().contains("remove the folder to create a new one"), e.getMessage());
  }

  @Test
  void theMeasurementFollowsTheMeasuredFiles() throws Exception {
    Path bundles = Files.createDirectories(tmp.resolve("bundles"));
    Files.writeString(bundles.resolve("a.jar"), "agent code v1");
    Files.writeString(Files.createDirectories(bundles.resolve("sub")).resolve("b.jar"), "runner");
    EmulatedSettings s =
        new EmulatedSettings(
            tmp.resolve("id"), List.of(bundles), HexFormat.of().parseHex("aa".repeat(32)), 2);
    SnpReport one =
        SnpReport.parse(
            new EmulatedProvider(s).gather(new EvidenceRequest(NONCE, new byte[0])).report());
    SnpReport same =
        SnpReport.parse(
            new EmulatedProvider(s).gather(new EvidenceRequest(NONCE, new byte[0])).report());
    assertEquals(
        HexFormat.of().formatHex(one.measurement()), HexFormat.of().formatHex(same.measurement()));
    assertEquals("aa".repeat(32), HexFormat.of().formatHex(one.hostData()));
    assertEquals(2, one.vmpl());
    Files.writeString(bundles.resolve("a.jar"), "agent code v2");
    SnpReport changed =
        SnpReport.parse(
            new EmulatedProvider(s).gather(new EvidenceRequest(NONCE, new byte[0])).report());
    assertNotEquals(
        HexFormat.of().formatHex(one.measurement()),
        HexFormat.of().formatHex(changed.measurement()));
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () ->
                new EmulatedProvider(
                        new EmulatedSettings(
                            tmp.resolve("id"), List.of(tmp.resolve("missing")), new byte[0], 0))
                    .gather(new EvidenceRequest(NONCE, new byte[0])));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void aTemplatePinsTheEvidenceAndItsRoot() throws Exception {
    EmulatedProvider p = provider();
    Evidence e = p.gather(new EvidenceRequest(NONCE, new byte[0]));
    Policy t = p.policyFrom(e, Instant.now());
    assertEquals("emulated", t.platform());
    String json = PolicyDocument.standard().write(t);
    assertTrue(json.contains(p.rootSha256()), json);
    Verdict v = p.verify(now(e, PolicyDocument.parse(json)));
    assertTrue(v.passed(), report(v));
    assertTrue(v.emulated());
  }

  @Test
  void bundleRegistersATeeProviderForEmulated() throws Exception {
    Path classes = Path.of("target", "classes");
    Attributes main;
    try (InputStream in = Files.newInputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.tee.emulated", main.getValue("Bundle-SymbolicName"));
    String xml =
        Files.readString(
            classes.resolve(
                "OSGI-INF/ai.cocos.tee.emulated.internal.EmulatedProviderComponent.xml"));
    assertTrue(
        xml.contains("name=\"" + TeeProvider.PLATFORM_PROPERTY + "\"")
            && xml.contains("value=\"emulated\""),
        xml);
  }
}
