package ai.cocos.api.tee;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Gathers evidence for one trusted-execution platform and verifies evidence of that platform.
 * Implemented by TEE-provider plugins.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Registered with {@link #PLATFORM_PROPERTY} equal to {@link #platform()}.
 *   <li>{@link #verify} fails closed: a claim it cannot prove (a signature it cannot check, a chain
 *       it cannot build, collateral it does not have, a rule it does not understand) makes the
 *       verdict fail, with a finding naming it. It never throws for bad evidence: malformed input
 *       is a failed verdict whose finding says what is malformed.
 *   <li>An empty policy, or one for another platform, rejects.
 *   <li>Evidence from an emulated platform is marked {@link Verdict#emulated()} and passes only
 *       under a policy that explicitly allows emulation.
 *   <li>Both methods are thread-safe.
 * </ul>
 */
@ConsumerType
public interface TeeProvider {
  /** Service property naming the platform a provider serves. */
  String PLATFORM_PROPERTY = "cocos.tee.platform";

  /** Platform id of AMD SEV-SNP. */
  String SEV_SNP = "snp";

  /** Platform id of Intel TDX. */
  String TDX = "tdx";

  /** Platform id of a TPM 2.0 (vTPM) quote. */
  String VTPM = "vtpm";

  /** Platform id of the emulated provider: not a real TEE, never accepted by a default policy. */
  String EMULATED = "emulated";

  /**
   * The platform this provider serves.
   *
   * @return a short lower-case id such as {@link #SEV_SNP}
   */
  String platform();

  /**
   * Whether this provider can gather evidence on the machine it runs on (the guest device or
   * interface exists and answers).
   *
   * @return {@code true} if {@link #gather} can be expected to work here
   */
  boolean canGather();

  /**
   * Gathers evidence bound to the caller's report data.
   *
   * @param request the report data (and nonce) to bind into the evidence
   * @return the evidence, in this platform's native format
   * @throws AttestationException if the hardware interface is missing or refuses
   */
  Evidence gather(EvidenceRequest request) throws AttestationException;

  /**
   * Verifies evidence against a policy.
   *
   * @param request the evidence, policy and verification time
   * @return a verdict listing every rule that failed, with expected and found values
   */
  Verdict verify(VerificationRequest request);
}
