package ai.cocos.tee.tdx.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * What {@code cocos-cli attestation validate <quote> --platform tdx --policy <file> --offline} does
 * in this provider, as a fresh process: read the quote, collateral and policy, verify once, print
 * the verdict, exit 0 only on a pass. The bench script times whole processes of it.
 *
 * <pre>java -cp ... ai.cocos.tee.tdx.bench.TdxValidateOnce QUOTE COLLATERAL_JSON POLICY AT</pre>
 */
public final class TdxValidateOnce {
  private TdxValidateOnce() {}

  /**
   * Verifies once.
   *
   * @param args quote file, collateral JSON file, policy file, verification time (ISO-8601)
   * @throws Exception on unreadable files
   */
  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    Evidence e =
        new Evidence(
            "tdx",
            Files.readAllBytes(Path.of(args[0])),
            Map.of(TdxProvider.COLLATERAL, Files.readAllBytes(Path.of(args[1]))));
    VerificationRequest r =
        new VerificationRequest(
            e, PolicyDocument.read(Path.of(args[2])), Instant.parse(args[3]), true);
    long t1 = System.nanoTime();
    TdxProvider provider = new TdxProvider(TdxSettings.defaults().withCollateralCache(null));
    long t2 = System.nanoTime();
    Verdict v = provider.verify(r);
    long t3 = System.nanoTime();
    System.out.println((v.passed() ? "PASS" : "FAIL") + " " + v.findings().size() + " findings");
    System.err.printf(
        "read+policy %d ms, provider %d ms, first verification %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
    System.exit(v.passed() ? 0 : 1);
  }
}
