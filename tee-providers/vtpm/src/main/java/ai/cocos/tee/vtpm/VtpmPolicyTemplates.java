package ai.cocos.tee.vtpm;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.tee.vtpm.internal.Templates;
import java.time.Instant;

/**
 * Writes a policy that pins what given evidence measured: the first step of {@code cocos-cli
 * attestation policy create <platform> --from <evidence>}, to review and edit afterwards. The
 * evidence's own signatures are checked first, so nothing unverifiable is pinned.
 *
 * <ul>
 *   <li>{@code vtpm}: the first quote's PCRs 0-9 and 11-15 (the boot chain; PCR10 (IMA) and 16-23
 *       change at run time and are left out, as the policy's description says); the AK by its
 *       certificate's root ({@code vtpm.ak_roots}) when the certificate chains to a known root at
 *       the given time, else by fingerprint ({@code vtpm.ak_keys}); {@code event_log_required} when
 *       the evidence has an event log that replays.
 *   <li>{@code azure-snp-vtpm} / {@code azure-tdx-vtpm}: the same PCRs, plus the SNP launch
 *       measurement ({@code snp.measurements}) or the TD's MRTD ({@code tdx.mrtd}) from the HCL
 *       report.
 * </ul>
 *
 * The nonce is never pinned: it changes with every request. Write the result with {@code
 * ai.cocos.attestation.PolicyDocument.standard().write(policy)}.
 */
public final class VtpmPolicyTemplates {
  private VtpmPolicyTemplates() {}

  /**
   * The policy pinning what the evidence measured.
   *
   * @param evidence evidence of platform {@code vtpm}, {@code azure-snp-vtpm} or {@code
   *     azure-tdx-vtpm}
   * @param at the time at which an AK certificate chain is checked
   * @return the policy
   * @throws IllegalArgumentException if the evidence is malformed or its quote does not verify (the
   *     message says why)
   */
  public static Policy fromEvidence(Evidence evidence, Instant at) {
    return fromEvidence(evidence, at, java.util.List.of());
  }

  /**
   * The policy pinning what the evidence measured in the given PCR banks ({@code vtpm} evidence;
   * the Azure forms have one bank).
   *
   * @param evidence evidence of platform {@code vtpm}, {@code azure-snp-vtpm} or {@code
   *     azure-tdx-vtpm}
   * @param at the time at which an AK certificate chain is checked
   * @param banks the banks to pin ({@code sha256}, ...), each quoted by the evidence; empty: the
   *     SHA-256 quote, else the first
   * @return the policy
   * @throws IllegalArgumentException if the evidence is malformed, does not verify, or quotes no
   *     PCR of a bank asked for
   */
  public static Policy fromEvidence(Evidence evidence, Instant at, java.util.List<String> banks) {
    return switch (evidence.platform()) {
      case TeeProvider.VTPM -> Templates.vtpm(evidence, at, banks);
      case AzureVtpmProvider.AZURE_SNP_VTPM, AzureVtpmProvider.AZURE_TDX_VTPM ->
          Templates.azure(evidence);
      default ->
          throw new IllegalArgumentException(
              "the vTPM provider writes policies for vtpm, azure-snp-vtpm and azure-tdx-vtpm, not "
                  + evidence.platform());
    };
  }
}
