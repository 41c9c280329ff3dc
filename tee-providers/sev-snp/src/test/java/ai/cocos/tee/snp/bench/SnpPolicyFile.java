package ai.cocos.tee.snp.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints the policy {@code attestation policy create snp --from <evidence>} would write, with the
 * CRL check off (the vectors ship no CRL), for the whole-process benchmark.
 */
public final class SnpPolicyFile {
  private SnpPolicyFile() {}

  /**
   * Prints the policy.
   *
   * @param args report, VCEK, verification time
   * @throws Exception if the evidence does not verify
   */
  public static void main(String[] args) throws Exception {
    SnpProvider p =
        new SnpProvider(
            SnpSettings.defaults().withCollateralCache(Files.createTempDirectory("snp-policy")));
    Policy t =
        p.policyFrom(
            new Evidence(
                "snp",
                Files.readAllBytes(Path.of(args[0])),
                Map.of("vcek", Files.readAllBytes(Path.of(args[1])))),
            Instant.parse(args[2]),
            true);
    @SuppressWarnings("unchecked")
    Map<String, Object> snp = new LinkedHashMap<>((Map<String, Object>) t.rules().get("snp"));
    snp.put("check_crl", false);
    Map<String, Object> rules = new LinkedHashMap<>(t.rules());
    rules.put("snp", snp);
    System.out.print(PolicyDocument.standard().write(new Policy("snp", rules)));
  }
}
