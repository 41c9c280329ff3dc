package ai.cocos.attestation.snp;

import ai.cocos.api.tee.Policy;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyException;
import ai.cocos.attestation.PolicySchema;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a policy that pins what verified SNP-format evidence measured: the user's usual first step
 * ({@code cocos-cli attestation policy create snp --from <evidence>}), to review and edit.
 */
public final class SnpPolicyTemplate {
  private static final HexFormat HEX = HexFormat.of();

  private SnpPolicyTemplate() {}

  /**
   * The policy pinning a verified report: its launch measurement, the non-zero identity fields
   * (host data, ID and author key digests, family and image ids), VMPL, product, signing key type,
   * the root it chained to, and its TCB and guest SVN as minimums. Debugging and the migration
   * agent are allowed only if the evidence had them on (the description then says so).
   *
   * @param v what the verifier established
   * @param platform {@code snp} or {@code emulated}
   * @return the policy (valid under the standard schema)
   */
  public static Policy from(SnpVerifier.Verified v, String platform) {
    SnpReport r = v.report();
    Map<String, Object> snp = new LinkedHashMap<>();
    snp.put("measurements", List.of(HEX.formatHex(r.measurement())));
    putIfSet(snp, "host_data", r.hostData());
    putIfSet(snp, "id_key_digests", r.idKeyDigest());
    putIfSet(snp, "author_key_digests", r.authorKeyDigest());
    putIfSet(snp, "family_id", r.familyId());
    putIfSet(snp, "image_id", r.imageId());
    Map<String, Object> tcb = new LinkedHashMap<>();
    TcbVersion t = v.reportedTcb();
    tcb.put("bootloader", (long) t.bootloader());
    tcb.put("tee", (long) t.tee());
    tcb.put("snp", (long) t.snp());
    tcb.put("microcode", (long) t.microcode());
    if (t.fmc() >= 0) {
      tcb.put("fmc", (long) t.fmc());
    }
    snp.put("minimum_tcb", tcb);
    snp.put("minimum_guest_svn", r.guestSvn());
    snp.put("debug_allowed", r.debug());
    if ((r.policy() & SnpReport.POLICY_MIGRATE_MA) != 0) {
      snp.put("migrate_ma_allowed", true);
    }
    snp.put("vmpl", List.of((long) r.vmpl()));
    snp.put("products", List.of(v.product().kdsName()));
    snp.put("signing_keys", List.of(r.signingKeyName()));
    snp.put("roots", List.of(v.rootSha256()));
    Map<String, Object> rules = new LinkedHashMap<>();
    String note =
        "pins what this "
            + v.product().kdsName()
            + " evidence measured (report v"
            + r.version()
            + ", firmware "
            + r.firmware()
            + "); review before use";
    if (r.debug()) {
      note +=
          ". WARNING: the evidence allows debugging, so this policy does too: set"
              + " snp.debug_allowed to false for production";
    }
    rules.put(PolicySchema.DESCRIPTION, note);
    rules.put(PolicySchema.SNP, snp);
    try {
      return PolicyDocument.standard().normalise(new Policy(platform, rules));
    } catch (PolicyException e) {
      throw new IllegalStateException("generated policy is invalid: " + e.getMessage(), e);
    }
  }

  private static void putIfSet(Map<String, Object> m, String key, byte[] v) {
    for (byte b : v) {
      if (b != 0) {
        m.put(key, List.of(HEX.formatHex(v)));
        return;
      }
    }
  }
}
