package ai.cocos.tee.tdx;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyException;
import ai.cocos.tee.tdx.internal.Roots;
import ai.cocos.tee.tdx.internal.TdxQuoteFields;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a policy that pins what a TDX quote measured: the usual first step of a relying party
 * ({@code cocos-cli attestation policy create tdx --from <evidence>}), to review and edit
 * afterwards.
 *
 * <p>Pinned: MRTD, RTMR0..3 as one set, MRSEAM, MRCONFIGID, MROWNER, MROWNERCONFIG, TDATTRIBUTES,
 * XFAM, TEE_TCB_SVN as the minimum, TCB status {@code UpToDate}, the shipped Intel SGX Root CA, and
 * debug forbidden (even if this quote came from a debug TD: allowing it must be a deliberate edit).
 * Report data is not pinned: it is the nonce of one request.
 */
public final class TdxPolicyTemplate {
  private TdxPolicyTemplate() {}

  /**
   * The policy pinning a quote's measurements.
   *
   * @param evidence TDX evidence (its quote is parsed, not verified: verify it too before trusting
   *     what it pins)
   * @return the policy
   * @throws IllegalArgumentException if the evidence is not a readable TDX quote
   */
  public static Policy from(Evidence evidence) {
    if (!TeeProvider.TDX.equals(evidence.platform())) {
      throw new IllegalArgumentException(
          "a TDX policy needs TDX evidence, this is " + evidence.platform() + " evidence");
    }
    Map<String, String> f = TdxQuoteFields.read(evidence.report());
    Map<String, Object> tdx = new LinkedHashMap<>();
    tdx.put("mrtd", List.of(f.get("mrtd")));
    tdx.put(
        "rtmrs", List.of(List.of(f.get("rtmr0"), f.get("rtmr1"), f.get("rtmr2"), f.get("rtmr3"))));
    tdx.put("mr_seam", List.of(f.get("mr_seam")));
    tdx.put("mr_config_id", List.of(f.get("mr_config_id")));
    tdx.put("mr_owner", List.of(f.get("mr_owner")));
    tdx.put("mr_owner_config", List.of(f.get("mr_owner_config")));
    tdx.put("td_attributes", List.of(f.get("td_attributes")));
    tdx.put("xfam", List.of(f.get("xfam")));
    tdx.put("minimum_tee_tcb_svn", f.get("tee_tcb_svn"));
    tdx.put("accepted_tcb_status", List.of("UpToDate"));
    tdx.put("debug_allowed", false);
    tdx.put("roots", List.of(Roots.INTEL_SGX_ROOT_CA_SHA256));
    Map<String, Object> rules = new LinkedHashMap<>();
    rules.put(
        "description",
        "pins what a TDX quote v" + f.get("quote_version") + " measured; review before use");
    rules.put("tdx", tdx);
    try {
      return PolicyDocument.standard().normalise(new Policy(TeeProvider.TDX, rules));
    } catch (PolicyException e) {
      throw new IllegalStateException("generated policy is invalid: " + e.getMessage(), e);
    }
  }

  /**
   * The same policy as JSON text.
   *
   * @param evidence TDX evidence
   * @return the policy document, ready to save and edit
   * @throws IllegalArgumentException if the evidence is not a readable TDX quote
   */
  public static String json(Evidence evidence) {
    try {
      return PolicyDocument.standard().write(from(evidence));
    } catch (PolicyException e) {
      throw new IllegalStateException("generated policy is invalid: " + e.getMessage(), e);
    }
  }
}
