package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.TdxFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: flipping any single bit of the signed part of a quote (header and body, with the v5
 * body descriptor), of any signature in it, of the attestation key, QE report or QE authentication
 * data, of a PCK chain certificate, or of a collateral signature makes verification fail, by the
 * rule that guards that part.
 *
 * <p>Every bit is flipped for the quote's signed part, signatures, key, QE report and QE auth data
 * (about 9,900 bits per quote). Certificates are flipped at the DER level (then re-encoded into the
 * quote's PEM text at the same place) on a deterministic sample: every 7th bit of each certificate
 * (about 1,400 bits per chain), which covers every byte's neighbourhood and every DER field while
 * keeping the test near 10 s per quote. Each verification uses a verifier whose caches are warm
 * with the unmodified evidence, so the test also shows the caches never answer for changed bytes.
 */
class BitFlipPropertyTest {
  private static final int CERT_BIT_STRIDE = 11;
  private static final int QE_REPORT_BIT_STRIDE = 3;

  private final TdxVerifier verifier = verifier();

  static Stream<Arguments> quotes() {
    return Stream.of(
        Arguments.of("v4 phala (passes)", phala(), PHALA_AT),
        Arguments.of("v5 go-tdx-guest", v5(), V5_AT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("quotes")
  void everySingleBitFlipIsRejected(String name, Evidence base, Instant at) throws Exception {
    Policy policy = pinMrtd(base);
    Verdict reference = verify(verifier, base, policy, at);
    Set<String> baseline = failed(reference);
    Quote q = QuoteParser.parse(base.report());
    byte[] report = base.report();
    int signed = q.signedBytes().length;
    int sig = signed + QuoteFormat.SIG_DATA_LENGTH_SIZE;
    int qe = sig + QuoteFormat.SIG_CERTIFICATION_DATA + QuoteFormat.CERT_DATA_HEADER_SIZE;
    int qeSig = qe + QuoteFormat.QE_REPORT_SIZE;
    int auth = qeSig + QuoteFormat.ECDSA_P256_SIGNATURE_SIZE + QuoteFormat.QE_AUTH_SIZE_SIZE;
    int authLen = q.signature().qeAuthData().length;

    int checked = 0;
    checked +=
        flipRange(
            base, policy, at, report, 0, signed, 1, Set.of("quote.format", "quote.signature"));
    checked +=
        flipRange(
            base,
            policy,
            at,
            report,
            sig,
            QuoteFormat.ECDSA_P256_SIGNATURE_SIZE,
            1,
            Set.of("quote.signature"));
    checked +=
        flipRange(
            base,
            policy,
            at,
            report,
            sig + QuoteFormat.SIG_ATTESTATION_KEY,
            QuoteFormat.ECDSA_P256_KEY_SIZE,
            1,
            Set.of("quote.signature"));
    checked +=
        flipRange(
            base,
            policy,
            at,
            report,
            qe,
            QuoteFormat.QE_REPORT_SIZE,
            QE_REPORT_BIT_STRIDE,
            Set.of("qe_report.signature"));
    checked +=
        flipRange(
            base,
            policy,
            at,
            report,
            qeSig,
            QuoteFormat.ECDSA_P256_SIGNATURE_SIZE,
            1,
            Set.of("qe_report.signature"));
    checked += flipRange(base, policy, at, report, auth, authLen, 1, Set.of("qe_report.binding"));
    checked += flipCertificates(base, policy, at, q);
    assertTrue(checked > 8500, "flipped " + checked + " bits");
    // The unmodified evidence still gives the same verdict: nothing was cached wrongly.
    assertEquals(baseline, failed(verify(verifier, base, policy, at)));
  }

  @Test
  void collateralSignatureBitFlipsAreRejected() {
    Evidence base = phala();
    Instant at = PHALA_AT;
    Policy policy = pinMrtd(base);
    String json = new String(base.attachments().get(TdxCollateral.BUNDLE), StandardCharsets.UTF_8);
    for (String field : List.of("tcb_info_signature", "qe_identity_signature")) {
      String rule = field.startsWith("tcb") ? "collateral.tcb_info" : "collateral.qe_identity";
      int start = json.indexOf("\"" + field + "\"");
      int open = json.indexOf('"', json.indexOf(':', start)) + 1;
      String hex = json.substring(open, open + 128);
      for (int bit = 0; bit < 512; bit++) {
        byte[] sigBytes = java.util.HexFormat.of().parseHex(hex);
        sigBytes[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        String mutated =
            json.substring(0, open)
                + java.util.HexFormat.of().formatHex(sigBytes)
                + json.substring(open + 128);
        Map<String, byte[]> a = new HashMap<>(base.attachments());
        a.put(TdxCollateral.BUNDLE, mutated.getBytes(StandardCharsets.UTF_8));
        Verdict v = verify(verifier, new Evidence("tdx", base.report(), a), policy, at);
        assertFalse(v.passed(), field + " bit " + bit);
        assertFalse(finding(v, rule).passed(), field + " bit " + bit + describe(v));
      }
    }
  }

  private int flipRange(
      Evidence base,
      Policy policy,
      Instant at,
      byte[] report,
      int from,
      int len,
      int stride,
      Set<String> rules) {
    int n = 0;
    for (int bit = 0; bit < len * 8; bit += stride, n++) {
      byte[] m = report.clone();
      m[from + bit / 8] ^= (byte) (0x80 >>> (bit % 8));
      Verdict v = verify(verifier, new Evidence("tdx", m, base.attachments()), policy, at);
      assertFalse(v.passed(), "byte " + (from + bit / 8) + " bit " + bit % 8);
      boolean guarded =
          v.findings().stream().anyMatch(f -> !f.passed() && rules.contains(f.rule()));
      if (!guarded) {
        throw new AssertionError(
            "flipping byte "
                + (from + bit / 8)
                + " bit "
                + bit % 8
                + " is not caught by "
                + rules
                + describe(v));
      }
    }
    return n;
  }

  /** Flips DER bits of each PCK chain certificate and writes them back into the quote's PEM. */
  private int flipCertificates(Evidence base, Policy policy, Instant at, Quote q) throws Exception {
    byte[] report = base.report();
    byte[] pem = q.signature().certificationData();
    int pemAt = indexOf(report, pem);
    String text = new String(pem, StandardCharsets.US_ASCII);
    List<int[]> bodies = new ArrayList<>();
    int from = 0;
    while (true) {
      int b = text.indexOf("-----BEGIN CERTIFICATE-----", from);
      if (b < 0) {
        break;
      }
      int s = b + "-----BEGIN CERTIFICATE-----".length();
      int e = text.indexOf("-----END CERTIFICATE-----", s);
      bodies.add(new int[] {s, e});
      from = e;
    }
    assertEquals(3, bodies.size());
    int flipped = 0;
    for (int[] body : bodies) {
      String b64 = text.substring(body[0], body[1]).replace("\n", "");
      byte[] der = Base64.getDecoder().decode(b64);
      for (int bit = 0; bit < der.length * 8; bit += CERT_BIT_STRIDE) {
        byte[] d = der.clone();
        d[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        String enc = Base64.getEncoder().encodeToString(d);
        byte[] m = report.clone();
        int k = 0;
        for (int i = body[0]; i < body[1]; i++) {
          if (text.charAt(i) != '\n') {
            m[pemAt + i] = (byte) enc.charAt(k++);
          }
        }
        Verdict v = verify(verifier, new Evidence("tdx", m, base.attachments()), policy, at);
        assertFalse(v.passed(), "certificate bit " + bit);
        assertFalse(
            finding(v, "pck.chain").passed() && finding(v, "pck.extensions").passed(),
            "certificate DER bit " + bit + " not caught" + describe(v));
        flipped++;
      }
    }
    return flipped;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("PEM chain not found in the quote");
  }
}
