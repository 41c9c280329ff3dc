package ai.cocos.cli;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.tdx.TdxPolicyTemplate;
import ai.cocos.tee.vtpm.VtpmPolicyTemplates;
import java.time.Instant;
import java.util.List;

/**
 * The policy pinning exactly what one piece of evidence measured, per platform: what {@code
 * attestation policy create --from} writes, and what {@code attestation handshake} checks fresh
 * evidence against to prove it self-consistent (its signatures, and the binding it carries) without
 * trusting it.
 */
final class EvidencePolicies {
  private EvidencePolicies() {}

  /**
   * The policy pinning what the evidence measured.
   *
   * @param evidence the evidence, of {@code evidence.platform()}
   * @param when the time at which certificates are checked
   * @param providers the providers (collateral cache, vendor endpoints)
   * @param offline whether SEV-SNP collateral must come from the cache only
   * @param banks vTPM PCR banks to pin (empty: the evidence's SHA-256 quote, else its first)
   * @return the policy
   * @throws AttestationException if the SEV-SNP chain cannot be checked
   * @throws IllegalArgumentException if the evidence is malformed or does not verify
   * @throws Failure if the platform's provider is not in this build
   */
  static Policy from(
      Evidence evidence,
      Instant when,
      AttestationProviders providers,
      boolean offline,
      List<String> banks)
      throws AttestationException, Failure {
    return switch (evidence.platform()) {
      case TeeProvider.SEV_SNP -> providers.snp().policyFrom(evidence, when, offline);
      case TeeProvider.TDX -> TdxPolicyTemplate.from(evidence);
      case TeeProvider.EMULATED -> {
        if (!(providers.provider(TeeProvider.EMULATED) instanceof EmulatedProvider emulated)) {
          throw new Failure("no emulated provider on this class path");
        }
        yield emulated.policyFrom(evidence, when);
      }
      default -> VtpmPolicyTemplates.fromEvidence(evidence, when, banks);
    };
  }
}
