package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.RuntimeMeasurement;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.attestation.Json;
import ai.cocos.crypto.KeyType;
import ai.cocos.manifest.ManifestCanonical;
import ai.cocos.tee.vtpm.VtpmAttachments;
import ai.cocos.tee.vtpm.VtpmPolicyTemplates;
import ai.cocos.tee.vtpm.VtpmProvider;
import ai.cocos.tee.vtpm.VtpmSettings;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest PCR end to end on a real software TPM (swtpm): the vTPM provider measures manifest A
 * into PCR16 as the agent does and quotes with a nonce; {@code attestation policy create vtpm
 * --manifest} writes the policy (from the evidence, or from EOS reference PCRs and the AK's
 * fingerprint), and {@code attestation validate --nonce} passes for manifest A and fails naming
 * PCR16 for manifest B. The expected PCR16 values are computed here independently.
 */
class AttestationManifestPcrTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String NL = System.lineSeparator();

  @TempDir static Path dir;
  static Process swtpm;
  static Path manifestA;
  static Path manifestB;
  static Path evidence;
  static String nonce;
  static List<String> banks;
  static Map<String, Map<String, String>> quoted;
  static String akKey;

  @BeforeAll
  static void measureAndQuote() throws Exception {
    String exe = null;
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      if (new File(d, "swtpm").canExecute()) {
        exe = d + "/swtpm";
      }
    }
    if (exe == null) {
      String msg = "swtpm is not installed (scripts/setup.d/35-swtpm.sh installs it)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    Path sock = dir.resolve("tpm.sock");
    swtpm =
        new ProcessBuilder(
                exe,
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + Files.createDirectories(dir.resolve("tpm")),
                "--server",
                "type=unixio,path=" + sock,
                "--ctrl",
                "type=unixio,path=" + dir.resolve("ctrl.sock"),
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("swtpm.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(sock)) {
      if (!swtpm.isAlive() || System.nanoTime() > deadline) {
        swtpm.destroyForcibly();
        fail("swtpm did not come up: " + Files.readString(dir.resolve("swtpm.log")));
      }
      Thread.sleep(20);
    }
    manifestA = manifest("pcr16-a");
    manifestB = manifest("pcr16-b");

    VtpmProvider measure = new VtpmProvider(VtpmSettings.defaults().withDevice("unix:" + sock));
    RuntimeMeasurement m =
        measure
            .extend(
                RuntimeMeasurements.MANIFEST,
                ManifestCanonical.bytes(ManifestFiles.read(manifestA)))
            .orElseThrow();
    banks = new ArrayList<>(new TreeMap<>(m.digests()).keySet());
    assertTrue(banks.contains("sha256"), "swtpm has a SHA-256 bank: " + banks);
    VtpmProvider agent =
        new VtpmProvider(
            VtpmSettings.defaults()
                .withDevice("unix:" + sock)
                .withEventLog(dir.resolve("no-event-log"))
                .withBanks(banks));
    byte[] n = new byte[32];
    new java.security.SecureRandom().nextBytes(n);
    nonce = HEX.formatHex(n);
    Evidence e = agent.gather(new EvidenceRequest(new byte[0], n));
    evidence = dir.resolve("vtpm.json");
    EvidenceFile.write(e, evidence);
    quoted = pcrs(e);
    @SuppressWarnings("unchecked")
    Map<String, Object> vtpm =
        (Map<String, Object>)
            VtpmPolicyTemplates.fromEvidence(e, Instant.now()).rules().get("vtpm");
    akKey = String.valueOf(((List<?>) vtpm.get("ak_keys")).get(0));
  }

  @AfterAll
  static void stopTpm() throws Exception {
    if (swtpm != null) {
      swtpm.destroy();
      if (!swtpm.waitFor(5, TimeUnit.SECONDS)) {
        swtpm.destroyForcibly();
      }
    }
  }

  private static boolean accepts(Path sock) {
    if (!Files.exists(sock)) {
      return false;
    }
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return c.connect(UnixDomainSocketAddress.of(sock));
    } catch (IOException e) {
      return false;
    }
  }

  /** A manifest written by {@code manifest create}, as a computation owner does. */
  static Path manifest(String id) throws Exception {
    TestKeys.Party party = TestKeys.party(dir.resolve(id + "-party"), KeyType.ED25519);
    Path algorithm = Files.writeString(dir.resolve(id + ".bin"), "binary " + id);
    Path file = dir.resolve(id + ".json");
    Run run =
        Run.of(
            "manifest",
            "create",
            "-o",
            file.toString(),
            "--id",
            id,
            "--algorithm",
            algorithm.toString(),
            "--algorithm-key",
            party.publicFile().toString(),
            "--consumer",
            party.publicFile().toString());
    assertEquals(0, run.exitCode(), run::toString);
    return file;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, String>> pcrs(Evidence e) throws Exception {
    Object parsed =
        Json.parse(new String(e.attachments().get(VtpmAttachments.PCRS), StandardCharsets.UTF_8));
    Map<String, Map<String, String>> out = new TreeMap<>();
    ((Map<String, Object>) parsed)
        .forEach(
            (bank, values) -> {
              Map<String, String> v = new TreeMap<>();
              ((Map<String, Object>) values).forEach((i, h) -> v.put(i, String.valueOf(h)));
              out.put(bank, v);
            });
    return out;
  }

  /** PCR16 after the agent measured a manifest, computed without the provider's code. */
  static String expected(String bank, Path manifest) throws Exception {
    byte[] canonical = ManifestCanonical.bytes(ManifestFiles.read(manifest));
    boolean b256 = bank.equals("sha256");
    byte[] d = MessageDigest.getInstance(b256 ? "SHA3-256" : "SHA3-384").digest(canonical);
    MessageDigest h = MessageDigest.getInstance(b256 ? "SHA-256" : "SHA-384");
    h.update(new byte[b256 ? 32 : 48]);
    return HEX.formatHex(h.digest(d));
  }

  static Run cli(String... args) {
    return Run.with(Map.of("COCOS_COLLATERAL_CACHE", dir.resolve("cache").toString()), args);
  }

  static List<String> bankOptions() {
    List<String> o = new ArrayList<>();
    for (String b : banks) {
      o.add("--bank");
      o.add(b);
    }
    return o;
  }

  static Run create(Path out, String... args) {
    List<String> a = new ArrayList<>(List.of("attestation", "policy", "create", "vtpm"));
    a.addAll(List.of(args));
    a.addAll(bankOptions());
    a.addAll(List.of("-o", out.toString(), "--force"));
    return cli(a.toArray(String[]::new));
  }

  static Run validate(Path policy, String n) {
    return cli(
        "attestation",
        "validate",
        evidence.toString(),
        "--policy",
        policy.toString(),
        "--nonce",
        n,
        "--offline");
  }

  @Test
  void aPolicyForTheManifestPassesAndOneForAnotherManifestFailsNamingPcr16() throws Exception {
    Path forA = dir.resolve("policy-a.json");
    Run created = create(forA, "--from", evidence.toString(), "--manifest", manifestA.toString());
    assertEquals(0, created.exitCode(), created::toString);
    String text = Files.readString(forA);
    for (String bank : banks) {
      assertTrue(text.contains(expected(bank, manifestA)), bank + ": " + text);
    }
    assertTrue(text.contains("PCR16 = manifest 'pcr16-a'"), text);

    Run ok = validate(forA, nonce);
    assertEquals(0, ok.exitCode(), ok::toString);
    assertTrue(
        ok.out()
            .contains(
                "  ok    vtpm.pcrs.sha256.16: sha256 PCR16 holds the expected computation manifest"
                    + NL),
        ok::toString);
    assertTrue(ok.out().contains("  ok    vtpm.nonce: "), ok::toString);
    assertTrue(ok.out().contains("  ok    vtpm.ak_keys: "), ok::toString);

    Path forB = dir.resolve("policy-b.json");
    assertEquals(
        0,
        create(forB, "--from", evidence.toString(), "--manifest", manifestB.toString()).exitCode());
    Run other = validate(forB, nonce);
    assertEquals(1, other.exitCode(), other::toString);
    assertTrue(
        other
            .out()
            .contains(
                ": the VM holds another manifest than the one the policy was written for" + NL),
        other::toString);
    assertTrue(
        other.out().contains("  FAIL  vtpm.pcrs.sha256.16: sha256 PCR16 is "), other::toString);
    assertTrue(
        other.out().contains("expected: " + expected("sha256", manifestB) + NL), other::toString);
    assertTrue(
        other.out().contains("found:    " + expected("sha256", manifestA) + NL), other::toString);

    Run replay = validate(forA, "00".repeat(32));
    assertEquals(1, replay.exitCode(), replay::toString);
    assertTrue(replay.out().contains("  FAIL  vtpm.nonce: "), replay::toString);
  }

  @Test
  void eosReferencePcrsAndAnAkFingerprintReplaceTheEvidence() throws Exception {
    // What an EOS build records from a reference boot, with members this reader does not need.
    Map<String, Object> ref = new LinkedHashMap<>();
    for (String bank : banks) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (int i = 0; i < 8; i++) {
        values.put(Integer.toString(i), quoted.get(bank).get(Integer.toString(i)));
      }
      ref.put(bank, values);
    }
    Map<String, Object> eos = new LinkedHashMap<>();
    eos.put("format", "cocos-eos-measurements/1");
    eos.put("kernel_cmdline", "console=ttyS0 quiet");
    eos.put("images", Map.of("bzImage", "ab".repeat(32)));
    eos.put("pcrs", ref);
    Path eosFile = Files.writeString(dir.resolve("eos-measurements.json"), Json.write(eos));

    Path policy = dir.resolve("policy-eos.json");
    Run created =
        create(
            policy,
            "--eos-measurements",
            eosFile.toString(),
            "--manifest",
            manifestA.toString(),
            "--ak-key",
            akKey);
    assertEquals(0, created.exitCode(), created::toString);
    Run ok = validate(policy, nonce);
    assertEquals(0, ok.exitCode(), ok::toString);
    assertTrue(ok.out().contains("  ok    vtpm.pcrs.sha256.7: "), ok::toString);
    assertTrue(ok.out().contains("  ok    vtpm.pcrs.sha256.16: "), ok::toString);

    // A boot that differs from the reference: PCR0 names it.
    Files.writeString(
        eosFile, Json.write(eos).replace(quoted.get("sha256").get("0"), "11".repeat(32)));
    assertEquals(
        0, create(policy, "--eos-measurements", eosFile.toString(), "--ak-key", akKey).exitCode());
    Run differs = validate(policy, nonce);
    assertEquals(1, differs.exitCode(), differs::toString);
    assertTrue(differs.out().contains("  FAIL  vtpm.pcrs.sha256.0: "), differs::toString);
    assertFalse(differs.out().contains("FAIL  vtpm.pcrs.sha256.16"), differs::toString);
  }

  @Test
  void whatCannotMakeAPolicyIsNamed() throws Exception {
    Path out = dir.resolve("never.json");
    Run noAk = create(out, "--manifest", manifestA.toString());
    assertEquals(1, noAk.exitCode(), noAk::toString);
    assertEquals(
        "the policy would pin no attestation key, and a quote under an unknown key proves"
            + " nothing: give --from EVIDENCE (pins the key it names) or --ak-key SHA256"
            + NL,
        noAk.err());

    Path bad =
        Files.writeString(dir.resolve("bad-eos.json"), "{\"pcrs\":{\"sha256\":{\"0\":\"ab\"}}}");
    Run badEos = create(out, "--eos-measurements", bad.toString(), "--ak-key", akKey);
    assertEquals(1, badEos.exitCode(), badEos::toString);
    assertEquals(bad + ": pcrs.sha256.0: expected 64 hex digits, found ab" + NL, badEos.err());

    Run snp = cli("attestation", "policy", "create", "snp", "--manifest", manifestA.toString());
    assertEquals(2, snp.exitCode(), snp::toString);
    assertTrue(
        snp.err().startsWith("--manifest, --eos-measurements, --bank and --ak-key are for vtpm"),
        snp::toString);
    Run nothing = cli("attestation", "policy", "create", "vtpm");
    assertEquals(2, nothing.exitCode(), nothing::toString);
    assertTrue(nothing.err().startsWith("--from EVIDENCE is required"), nothing::toString);
    assertFalse(Files.exists(out));

    Path forA = dir.resolve("policy-pinned.json");
    assertEquals(0, create(forA, "--from", evidence.toString()).exitCode());
    Run garbage = validate(forA, "xyz");
    assertEquals(2, garbage.exitCode(), garbage::toString);
    assertTrue(
        garbage.err().startsWith("--nonce: 'xyz' is not 1 to 64 bytes of hex"), garbage::toString);
    Files.writeString(
        forA,
        Files.readString(forA).replace("\"vtpm\": {", "\"vtpm\": {\n    \"nonce\": \"0102\","));
    Run clash = validate(forA, nonce);
    assertEquals(1, clash.exitCode(), clash::toString);
    assertEquals(forA + " pins vtpm.nonce 0102 already; --nonce gives " + nonce + NL, clash.err());
  }
}
