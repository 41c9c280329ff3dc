package ai.cocos.tee.snp.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * What {@code cocos-cli attestation validate <report> --platform snp --certs <vcek> --policy <file>
 * --at <time> --offline} does, as one process: read the files, verify, print the verdict, exit 0
 * only on a pass. Timed by {@code bench/attestation-snp.sh} for the whole-process figure.
 */
public final class SnpValidateOnce {
  private SnpValidateOnce() {}

  /**
   * Runs one verification.
   *
   * @param args report, VCEK, policy file, verification time (ISO-8601)
   * @throws Exception if a file cannot be read
   */
  public static void main(String[] args) throws Exception {
    byte[] report = Files.readAllBytes(Path.of(args[0]));
    byte[] vcek = Files.readAllBytes(Path.of(args[1]));
    SnpProvider p =
        new SnpProvider(
            SnpSettings.defaults().withCollateralCache(Files.createTempDirectory("snp-once")));
    Verdict v =
        p.verify(
            new VerificationRequest(
                new Evidence("snp", report, Map.of("vcek", vcek)),
                PolicyDocument.read(Path.of(args[2])),
                Instant.parse(args[3]),
                true));
    for (Verdict.Finding f : v.findings()) {
      System.out.println((f.passed() ? "ok   " : "FAIL ") + f.rule() + ": " + f.message());
    }
    System.out.println(v.passed() ? "PASS" : "FAIL");
    System.exit(v.passed() ? 0 : 1);
  }
}
