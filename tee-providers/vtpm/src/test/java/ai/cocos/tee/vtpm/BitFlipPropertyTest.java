package ai.cocos.tee.vtpm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.vtpm.internal.Vectors;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flipping any single bit of what is signed or certified must make verification fail: every bit of
 * each quote (TPMS_ATTEST), of each signature, of every quoted PCR value, of the AK's public area
 * and of the AK certificate (GCE vector), and every bit of the Azure HCL runtime data (bound by the
 * hardware report's report data), quote, signature and PCRs. All bits are flipped, no sampling: the
 * whole test runs in a few seconds. Not flipped: the event log's event data and the HCL header,
 * which nothing signs (only event digests count, and they are covered by the replay against the
 * quoted PCRs), and the SEV-SNP report beyond its report data, which the SEV-SNP provider verifies
 * (its own property test flips it).
 */
class BitFlipPropertyTest {
  static final HexFormat HEX = HexFormat.of();
  static final VtpmProvider VTPM = new VtpmProvider();
  static Policy gcePolicy;
  static Map<String, byte[]> gce;
  static byte[] gceReport;

  @BeforeAll
  static void base() throws Exception {
    gcePolicy = GceConformanceTest.standardPolicy();
    gce = GceConformanceTest.extracted();
    gceReport = Vectors.read(GceConformanceTest.X + "quote-sha256-bank.tpms_attest.bin");
    assertTrue(verifyGce(gceReport, gce).passed(), "the unmodified evidence passes");
  }

  static Verdict verifyGce(byte[] report, Map<String, byte[]> att) {
    return VTPM.verify(
        new VerificationRequest(
            new Evidence("vtpm", report, att), gcePolicy, GceConformanceTest.AT, true));
  }

  /** Bits sampled from a large signed body. */
  static final int SAMPLE = 2000;

  /**
   * Flips every bit of {@code original}, builds evidence with it, and expects every one to fail.
   */
  static int flipAll(byte[] original, Function<byte[], Verdict> verify, String what) {
    return flip(original, 0, original.length * 8, original.length * 8, verify, what);
  }

  /**
   * Flips {@code count} bits of {@code original} in {@code [from, to)}: all of them if the range
   * has at most that many, else evenly spaced bits, each at a different position in its byte.
   */
  static int flip(
      byte[] original, int from, int to, int count, Function<byte[], Verdict> verify, String what) {
    List<Integer> accepted = new ArrayList<>();
    byte[] b = original.clone();
    int range = to - from;
    int n = Math.min(count, range);
    for (int i = 0; i < n; i++) {
      int bit = from + (int) ((long) i * range / n);
      if (n < range) {
        bit = Math.min(to - 1, (bit & ~7) | (i % 8));
      }
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      if (verify.apply(b).passed()) {
        accepted.add(bit);
      }
      b[bit / 8] ^= (byte) (1 << (bit % 8));
    }
    assertEquals(List.of(), accepted, what + ": bits whose flip was accepted");
    return n;
  }

  static Function<byte[], Verdict> attachment(String name) {
    return b -> {
      Map<String, byte[]> a = new HashMap<>(gce);
      a.put(name, b);
      return verifyGce(gceReport, a);
    };
  }

  @Test
  void everyBitOfEachQuoteIsCovered() {
    int n = flipAll(gceReport, b -> verifyGce(b, gce), "sha256 quote");
    n += flipAll(gce.get("quote.1"), attachment("quote.1"), "sha1 quote");
    n += flipAll(gce.get("quote.2"), attachment("quote.2"), "sha384 quote");
    assertEquals(3 * 115 * 8, n);
  }

  @Test
  void everyBitOfEachSignatureIsCovered() {
    flipAll(gce.get("signature"), attachment("signature"), "sha256 quote signature");
    flipAll(gce.get("signature.1"), attachment("signature.1"), "sha1 quote signature");
    flipAll(gce.get("signature.2"), attachment("signature.2"), "sha384 quote signature");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyQuotedPcrValueIsCovered() throws Exception {
    Map<String, Map<String, String>> pcrs =
        (Map<String, Map<String, String>>)
            ai.cocos.attestation.Json.parse(new String(gce.get("pcrs"), StandardCharsets.UTF_8));
    // All PCR values of all banks, concatenated: flip bits of one value at a time.
    List<String[]> slots = new ArrayList<>();
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    List<Integer> starts = new ArrayList<>();
    for (String bank : pcrs.keySet()) {
      for (String index : pcrs.get(bank).keySet()) {
        slots.add(new String[] {bank, index});
        starts.add(all.size());
        all.writeBytes(HEX.parseHex(pcrs.get(bank).get(index)));
      }
    }
    byte[] values = all.toByteArray();
    Function<byte[], Verdict> verify =
        b -> {
          Map<String, Map<String, String>> copy = new HashMap<>();
          pcrs.forEach((k, v) -> copy.put(k, new HashMap<>(v)));
          for (int i = 0; i < slots.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1) : b.length;
            copy.get(slots.get(i)[0]).put(slots.get(i)[1], HEX.formatHex(b, starts.get(i), end));
          }
          Map<String, byte[]> a = new HashMap<>(gce);
          a.put("pcrs", ai.cocos.attestation.Json.write(copy).getBytes(StandardCharsets.UTF_8));
          return verifyGce(gceReport, a);
        };
    int bits = 0;
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i)[1].equals("0")) {
        int end = i + 1 < starts.size() ? starts.get(i + 1) : values.length;
        bits +=
            flip(
                values,
                starts.get(i) * 8,
                end * 8,
                Integer.MAX_VALUE,
                verify,
                slots.get(i)[0] + " PCR0");
      }
    }
    bits += flip(values, 0, values.length * 8, SAMPLE, verify, "all PCR values (sample)");
    assertEquals((20 + 32 + 48) * 8 + SAMPLE, bits);
  }

  @Test
  void everyBitOfTheAkPublicAreaAndCertificateIsCovered() {
    // One quote is enough to exercise the key: three times fewer RSA verifications per flip.
    Map<String, byte[]> single = new HashMap<>(gce);
    single.keySet().removeIf(k -> k.endsWith(".1") || k.endsWith(".2"));
    Function<String, Function<byte[], Verdict>> in =
        name ->
            b -> {
              Map<String, byte[]> a = new HashMap<>(single);
              a.put(name, b);
              return verifyGce(gceReport, a);
            };
    flipAll(gce.get("ak_pub"), in.apply("ak_pub"), "AK TPMT_PUBLIC");
    byte[] cert = gce.get("ak_cert");
    int tail = (cert.length - 260) * 8;
    flip(
        cert,
        tail,
        cert.length * 8,
        Integer.MAX_VALUE,
        in.apply("ak_cert"),
        "AK certificate signature value");
    flip(cert, 0, tail, SAMPLE, in.apply("ak_cert"), "AK certificate body (sample)");
  }

  @Test
  void everyBoundBitOfTheAzureEvidenceIsCovered() throws Exception {
    Policy policy = AzureConformanceTest.milanPolicy(AzureConformanceTest.CHALLENGE);
    AzureVtpmProvider p =
        AzureVtpmProvider.of("azure-snp-vtpm", List.of(new RecordingProvider("snp", true)));
    Evidence base = AzureConformanceTest.milan();
    Function<Evidence, Verdict> verify =
        e ->
            p.verify(
                new VerificationRequest(e, policy, Instant.parse("2025-01-01T00:00:00Z"), true));
    assertTrue(verify.apply(base).passed());
    byte[] hcl = base.report();
    // Runtime data (0x4D4, 1110 bytes, sampled) and the SNP report's report data (0x20 + 0x50,
    // 32 bytes, every bit).
    for (int[] range : new int[][] {{0x4D4, 1110, SAMPLE}, {0x20 + 0x50, 32, 256}}) {
      byte[] part = java.util.Arrays.copyOfRange(hcl, range[0], range[0] + range[1]);
      flip(
          part,
          0,
          part.length * 8,
          range[2],
          b -> {
            byte[] h = hcl.clone();
            System.arraycopy(b, 0, h, range[0], b.length);
            return verify.apply(new Evidence(base.platform(), h, base.attachments()));
          },
          "HCL bytes at " + range[0]);
    }
    for (String name : List.of("tpm_quote", "signature.raw")) {
      flipAll(
          base.attachments().get(name),
          b -> {
            Map<String, byte[]> a = new HashMap<>(base.attachments());
            a.put(name, b);
            return verify.apply(new Evidence(base.platform(), hcl, a));
          },
          "Azure " + name);
    }
  }
}
