package ai.cocos.tee.vtpm.bench;

import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.vtpm.VtpmEvidence;
import ai.cocos.tee.vtpm.VtpmProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One offline verification as a whole process, the way {@code cocos-cli attestation validate} would
 * run it: read CocosAI (go-tpm-tools) vTPM evidence and a policy file, verify at a time, print the
 * verdict, exit 0 only on a pass. Timed by {@code bench/attestation-vtpm.sh}.
 */
public final class VtpmValidateOnce {
  private VtpmValidateOnce() {}

  /**
   * Runs.
   *
   * @param args evidence file, policy file, verification time (ISO-8601)
   * @throws Exception on unreadable files
   */
  public static void main(String[] args) throws Exception {
    Verdict v =
        new VtpmProvider()
            .verify(
                new VerificationRequest(
                    VtpmEvidence.fromGoTpmTools(Files.readAllBytes(Path.of(args[0])), new byte[0]),
                    PolicyDocument.read(Path.of(args[1])),
                    Instant.parse(args[2]),
                    true));
    for (Verdict.Finding f : v.findings()) {
      System.out.println((f.passed() ? "pass " : "FAIL ") + f.rule() + ": " + f.message());
    }
    System.out.println(v.passed() ? "PASSED" : "FAILED");
    System.exit(v.passed() ? 0 : 1);
  }
}
