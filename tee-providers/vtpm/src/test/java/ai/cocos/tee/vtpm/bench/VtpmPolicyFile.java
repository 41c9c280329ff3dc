package ai.cocos.tee.vtpm.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.vtpm.VtpmEvidence;
import ai.cocos.tee.vtpm.VtpmPolicyTemplates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints the policy {@code attestation policy create vtpm --from <evidence>} would write for
 * go-tpm-tools evidence, with the nonce added: the policy file {@code bench/attestation-vtpm.sh}
 * validates with.
 */
public final class VtpmPolicyFile {
  private VtpmPolicyFile() {}

  /**
   * Runs.
   *
   * @param args evidence file, nonce (hex), time (ISO-8601)
   * @throws Exception on unreadable or unverifiable evidence
   */
  public static void main(String[] args) throws Exception {
    Evidence e = VtpmEvidence.fromGoTpmTools(Files.readAllBytes(Path.of(args[0])), new byte[0]);
    Policy p = VtpmPolicyTemplates.fromEvidence(e, Instant.parse(args[2]));
    Map<String, Object> rules = new LinkedHashMap<>(p.rules());
    @SuppressWarnings("unchecked")
    Map<String, Object> vtpm = new LinkedHashMap<>((Map<String, Object>) rules.get("vtpm"));
    vtpm.put("nonce", args[1]);
    rules.put("vtpm", vtpm);
    System.out.print(PolicyDocument.standard().write(new Policy(p.platform(), rules)));
  }
}
