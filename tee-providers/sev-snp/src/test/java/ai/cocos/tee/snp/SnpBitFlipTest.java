package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.attestation.Certs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: flipping any single bit of the signed part of a report, of its signature field, or of
 * the VCEK/VLEK certificate makes verification fail.
 *
 * <p>Coverage, a deterministic selection sized to keep the test well under a minute on a loaded
 * 2-core machine (each flip is a full verification, dominated by one ECDSA P-384 check):
 *
 * <ul>
 *   <li>signed body (0x000-0x29F, 5376 bits): vector k (0-4) flips the bits whose index is k modulo
 *       5, so every bit position of the body is flipped in one of the five reports;
 *   <li>signature field (0x2A0-0x49F): every bit of the padding and reserved bytes of every vector,
 *       and of the 768 significant bits of R and S, those whose index is k modulo 5 (all 768
 *       positions over the five vectors);
 *   <li>signer certificate (DER): every bit of the Genoa VCEK and of the VLEK, and the bits whose
 *       index is k modulo 5 of the other three.
 * </ul>
 *
 * Each flip is checked against a policy under which the unmodified evidence passes.
 */
class SnpBitFlipTest {
  @TempDir Path cache;

  @Test
  void everySingleBitFlipIsRejected() throws Exception {
    SnpProvider provider = SnpVectors.provider(cache);
    List<String> accepted = new ArrayList<>();
    int tried = 0;
    long t0 = System.nanoTime();
    for (int k = 0; k < SnpVectors.ALL.size(); k++) {
      SnpVectors v = SnpVectors.ALL.get(k);
      byte[] report = v.report();
      byte[] signer = Certs.der(Certs.readOne(v.signerBytes()));
      Policy p = v.policy();
      assertTrue(
          provider
              .verify(v.request(new Evidence("snp", report, Map.of(v.attachment(), signer)), p))
              .passed(),
          v.dir());
      for (int bit = 0; bit < report.length * 8; bit++) {
        int sigBit = bit - 0x2A0 * 8;
        boolean significant = sigBit >= 0 && (sigBit % (0x48 * 8)) < 48 * 8 && sigBit < 0x90 * 8;
        if (sigBit < 0 && bit % 5 != k) {
          continue;
        }
        if (significant && bit % 5 != k) {
          continue;
        }
        byte[] r = flip(report, bit);
        tried++;
        if (provider
            .verify(v.request(new Evidence("snp", r, Map.of(v.attachment(), signer)), p))
            .passed()) {
          accepted.add(v.dir() + " report bit " + bit);
        }
      }
      boolean allCertBits = v.dir().startsWith("genoa") || v.dir().contains("vlek");
      for (int bit = 0; bit < signer.length * 8; bit++) {
        if (!allCertBits && bit % 5 != k) {
          continue;
        }
        byte[] c = flip(signer, bit);
        tried++;
        if (provider
            .verify(v.request(new Evidence("snp", report, Map.of(v.attachment(), c)), p))
            .passed()) {
          accepted.add(v.dir() + " " + v.attachment() + " bit " + bit);
        }
      }
    }
    System.out.printf("bit flips: %d tried in %.1f s%n", tried, (System.nanoTime() - t0) / 1e9);
    assertTrue(
        accepted.isEmpty(),
        accepted.size() + " flips accepted: " + accepted.subList(0, Math.min(20, accepted.size())));
  }

  static byte[] flip(byte[] b, int bit) {
    byte[] c = b.clone();
    c[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
    return c;
  }
}
